//! The one owner of the search index in a running node: a thread that catches the index up with
//! the store when it starts (after a crash, after offline CLI writes) and then whenever it is
//! woken (an entry arrived from the network, a local publish) or a tick passes, whatever wrote
//! to the store. Nothing else writes to the index while it runs; the API asks it to apply a
//! publish and waits, bounded, until its position covers the new entry.

use crate::{Applied, SearchIndex};
use coalition_record::PublicKey;
use coalition_store::Store;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the indexer looks at the store when nobody wakes it: catches roster changes and
/// anything written without a wake-up, and retries after a failure.
const TICK: Duration = Duration::from_millis(1000);

/// Where the indexer stands, for `/healthz` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexerStatus {
    /// Entries the index has applied.
    pub applied: u64,
    /// Entries the store holds that the index has not applied yet.
    pub behind: u64,
    /// The store's roster is newer than the one the index names cities from.
    pub roster_behind: bool,
    /// The last catch-up failed (it is retried every tick).
    pub error: Option<String>,
}

impl IndexerStatus {
    /// Nothing left to apply and no failure.
    pub fn caught_up(&self) -> bool {
        self.behind == 0 && !self.roster_behind && self.error.is_none()
    }
}

#[derive(Default)]
struct Progress {
    applied: Option<Arc<Applied>>,
    error: Option<String>,
    /// Catch-up rounds finished.
    rounds: u64,
}

struct Shared {
    store: Arc<Store>,
    index: Arc<SearchIndex>,
    stop: AtomicBool,
    progress: Mutex<Progress>,
    changed: Condvar,
}

impl Shared {
    fn progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Keeps a [`SearchIndex`] in step with a [`Store`] from one thread. Stopped (and joined) by
/// [`Indexer::stop`] or on drop.
pub struct Indexer {
    shared: Arc<Shared>,
    /// Capacity 1: wake-ups coalesce, a waker never blocks.
    wake: SyncSender<()>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Indexer {
    /// Starts the indexer thread; its first act is to catch the index up with the store.
    pub fn start(store: Arc<Store>, index: Arc<SearchIndex>) -> std::io::Result<Indexer> {
        let shared = Arc::new(Shared {
            progress: Mutex::new(Progress {
                applied: index.applied().map(Arc::new),
                error: None,
                rounds: 0,
            }),
            store,
            index,
            stop: AtomicBool::new(false),
            changed: Condvar::new(),
        });
        let (wake, woken) = mpsc::sync_channel(1);
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("search-indexer".into())
                .spawn(move || run(&shared, &woken))?
        };
        Ok(Indexer {
            shared,
            wake,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// The index this indexer keeps up to date.
    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.shared.index
    }

    /// Asks for a catch-up now (the store has grown). Never blocks.
    pub fn wake(&self) {
        match self.wake.try_send(()) {
            Ok(()) | Err(TrySendError::Full(())) | Err(TrySendError::Disconnected(())) => {}
        }
    }

    /// Waits until the index has applied `author`'s log up to `seq`, at most `timeout`; true
    /// when it has. False as soon as a round that started after this call has failed (a broken
    /// index must not make every publish wait). Blocking: call it from a blocking task.
    pub fn wait_applied(&self, author: &PublicKey, seq: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut progress = self.shared.progress();
        // A round running now may have read the store before this entry: judge by the next one.
        let judged_by = progress.rounds + 2;
        self.wake();
        loop {
            if progress
                .applied
                .as_ref()
                .is_some_and(|a| a.seq(author) >= seq)
            {
                return true;
            }
            if progress.rounds >= judged_by && progress.error.is_some() {
                return false;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || self.shared.stop.load(Ordering::Relaxed) {
                return false;
            }
            progress = self
                .shared
                .changed
                .wait_timeout(progress, left)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Where the index stands against the store now.
    pub fn status(&self) -> IndexerStatus {
        let (applied, error) = {
            let p = self.shared.progress();
            (p.applied.clone(), p.error.clone())
        };
        let store = &self.shared.store;
        match applied {
            Some(a) => IndexerStatus {
                applied: a.entries(),
                behind: a.behind(&store.frontier()),
                roster_behind: a.roster_version < store.roster_version(),
                error,
            },
            None => IndexerStatus {
                applied: 0,
                behind: store.entry_count(),
                roster_behind: true,
                error,
            },
        }
    }

    /// Stops the thread after the chunk it is applying, and waits for it.
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        self.wake();
        self.shared.changed.notify_all();
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread {
            if thread.join().is_err() {
                tracing::error!("the search indexer thread panicked");
            }
        }
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(shared: &Shared, woken: &mpsc::Receiver<()>) {
    let stop = || shared.stop.load(Ordering::Relaxed);
    while !stop() {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            shared.index.catch_up(&shared.store, &stop)
        }));
        let error = match result {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(e.to_string()),
            Err(_) => Some("the search index update panicked".to_string()),
        };
        {
            let mut progress = shared.progress();
            if let Some(e) = &error {
                // Once per distinct failure, not every tick.
                if progress.error.as_ref() != Some(e) {
                    tracing::warn!(error = %e, "the search index could not catch up with the store; retrying every second (`coalition reindex` rebuilds it)");
                }
            } else if progress.error.is_some() {
                tracing::info!("the search index catches up with the store again");
            }
            progress.error = error;
            progress.applied = shared.index.applied().map(Arc::new);
            progress.rounds += 1;
        }
        shared.changed.notify_all();
        match woken.recv_timeout(TICK) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
