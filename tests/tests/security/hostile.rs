//! The attacks a libp2p client written from PROTOCOL.md alone got through (issue "Hostile peers"),
//! each replayed against real swarms by a peer built on the bare libp2p stack, with the fixed
//! behaviour asserted and the honest delivery latency printed. Raw libp2p peers connect from
//! 127.0.0.1 (libp2p binds dial sockets to 0.0.0.0); the idle-socket attacker binds 127.0.0.30
//! itself, and the fresh-id victim runs without the tests' loopback exemption.

use super::{gossip_counts, say, wait_judged};
use anyhow::{anyhow, ensure, Result};
use coalition_net::{GossipMessage, SyncRequest};
use coalition_record::sync::{AuthorRange, Frontier};
use coalition_record::{Hash32, SecretKey, SignedEntry, WireEntry};
use coalition_store::{IngestOutcome, Store};
use coalition_tests::*;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// City `city`'s entry `seq` with a payload byte flipped: the signed header is intact, so only
/// the payload check finds it.
fn tampered(wire: &WireEntry) -> WireEntry {
    let mut copy = wire.clone();
    if let Some(blob) = copy.payload.as_mut() {
        if let Some(byte) = blob.bytes.get_mut(10) {
            *byte ^= 0x01;
        }
    }
    copy
}

fn stripped(wire: &WireEntry) -> WireEntry {
    WireEntry {
        entry: wire.entry.clone(),
        payload: None,
    }
}

/// Waits until `node` holds `id`, and checks it came by gossip (its gossip arrivals pass
/// `before`; the counters follow the store by one report of the store worker).
async fn wait_for_gossip(
    node: &Node,
    id: Hash32,
    before: u64,
    within: Duration,
) -> Result<Duration> {
    let took = wait_for_entry(&[node], id, within).await?;
    wait_until(
        &format!("{} to count the entry as arrived by gossip", node.name),
        Duration::from_secs(2),
        || async {
            let s = node.status().await?;
            Ok((
                s.counters.entries_via_gossip > before,
                format!(
                    "gossip {}, sync {}",
                    s.counters.entries_via_gossip, s.counters.entries_via_sync
                ),
            ))
        },
    )
    .await?;
    Ok(took)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tampered_copy_does_not_turn_honest_relays_into_suspects() -> Result<()> {
    bounded("tampered copies", Duration::from_secs(120), async {
        let coalition = Coalition::new(2)?;
        let dirs = temp_dirs(3)?;
        // No periodic sync during the test: what the victim gets, it gets by gossip.
        let nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(300))).await?;
        let (victim, relay1, relay2) = (&nodes[0], &nodes[1], &nodes[2]);
        connect(relay1, victim).await?;
        connect(relay2, victim).await?;
        connect(relay1, relay2).await?;
        wait_for_mesh(&[victim, relay1, relay2], 2, Duration::from_secs(10)).await?;
        let mut attackers = Vec::new();
        for _ in 0..3 {
            let mut attacker = RawPeer::spawn(coalition.network_id())?;
            attacker.connect(&victim.addr).await?;
            attackers.push(attacker);
        }

        // Each round: a throwaway id sends the victim a real new entry with one payload byte
        // flipped, before the genuine entry reaches it through the honest relays.
        let mut latencies = Vec::new();
        let mut prev = None;
        let mut judged = 0;
        for round in 0..9u64 {
            let genuine = coalition.sign_entry(0, round + 1, prev, &practice(0, round as usize))?;
            let id = Hash32::of(&genuine.entry);
            prev = Some(id);
            let attacker = &attackers[(round % 3) as usize];
            attacker
                .publish(GossipMessage::Entry(tampered(&genuine)).to_bytes())
                .await?;
            judged += 1;
            wait_judged(victim, judged, Duration::from_secs(10)).await?;
            let before = victim.status().await?.counters.entries_via_gossip;
            inject(relay1, genuine).await?;
            let took = wait_for_gossip(victim, id, before, Duration::from_secs(1))
                .await
                .map_err(|e| anyhow!("round {round}: the genuine entry did not arrive by gossip within 1 s: {e}"))?;
            latencies.push(took);
            // The relays' copies count as judged too (accepted, or ignored as a duplicate).
            judged = {
                let s = victim.status().await?;
                s.counters.gossip_accepted + s.counters.gossip_rejected + s.counters.gossip_ignored
            };
        }

        let s = victim.status().await?;
        say(format!("tampered copies: {}", gossip_counts(victim).await?));
        ensure!(s.counters.gossip_rejected >= 9, "the 9 tampered copies were rejected, got {}", s.counters.gossip_rejected);
        for attacker in &attackers {
            ensure!(
                !s.connected_peers.contains(&attacker.peer_id),
                "attacker {} is still connected after 3 tampered copies",
                attacker.peer_id
            );
        }
        ensure!(s.banned_peers >= 3, "the 3 attacker ids are banned, {} banned", s.banned_peers);
        for relay in [relay1, relay2] {
            ensure!(
                s.connected_peers.contains(&relay.peer_id()),
                "the honest relay {} was disconnected",
                relay.name
            );
        }
        ensure!(s.mesh_peers >= 2, "the victim's mesh kept both relays, it has {}", s.mesh_peers);
        // One more honest entry, from the other relay: still by gossip, still fast.
        let before = s.counters.entries_via_gossip;
        let last = coalition.sign_entry(1, 1, None, &practice(1, 1))?;
        let id = inject(relay2, last).await?;
        let took = wait_for_gossip(victim, id, before, Duration::from_secs(1)).await?;
        latencies.sort();
        say(format!(
            "honest entries reached the victim by gossip during the attack: median {:?}, max {:?}; after it {took:?}",
            latencies[latencies.len() / 2],
            latencies.last().copied().unwrap_or_default()
        ));
        for attacker in attackers {
            attacker.stop();
        }
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copy_stripped_of_its_payload_is_not_stored_and_the_full_one_arrives() -> Result<()> {
    bounded("stripped payloads", Duration::from_secs(60), async {
        let coalition = Coalition::new(1)?;
        let dirs = temp_dirs(2)?;
        let nodes =
            start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(300))).await?;
        let (victim, relay) = (&nodes[0], &nodes[1]);
        connect(relay, victim).await?;
        wait_for_mesh(&[victim, relay], 1, Duration::from_secs(10)).await?;
        let mut attacker = RawPeer::spawn(coalition.network_id())?;
        attacker.connect(&victim.addr).await?;

        let mut prev = None;
        let mut latencies = Vec::new();
        for n in 0..3u64 {
            let genuine = coalition.sign_entry(0, n + 1, prev, &practice(0, n as usize))?;
            let id = Hash32::of(&genuine.entry);
            prev = Some(id);
            attacker
                .publish(GossipMessage::Entry(stripped(&genuine)).to_bytes())
                .await?;
            wait_judged(victim, 1 + n * 2, Duration::from_secs(10)).await?;
            ensure!(
                !victim.store.contains(&id)?,
                "the stripped copy of entry {} was stored",
                n + 1
            );
            let before = victim.status().await?.counters.entries_via_gossip;
            inject(relay, genuine).await?;
            latencies.push(wait_for_gossip(victim, id, before, Duration::from_secs(1)).await?);
            let held = victim
                .store
                .entry(&id)?
                .ok_or_else(|| anyhow!("entry {} vanished", n + 1))?;
            ensure!(
                held.payload().is_some(),
                "entry {} is held without its payload",
                n + 1
            );
        }
        let s = victim.status().await?;
        say(format!(
            "stripped copies: {}; full copies by gossip in {latencies:?}",
            gossip_counts(victim).await?
        ));
        ensure!(
            s.counters.gossip_rejected == 0,
            "a stripped copy is ignored, not punished (an older relay may have stored one)"
        );
        attacker.stop();
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

/// Deletes `id`'s payload behind the store's back, as a version before the payload rule left an
/// entry it took from a stripped copy.
fn strip_in_place(dir: &std::path::Path, id: &Hash32) -> Result<()> {
    use coalition_store::layout;
    let db = rocksdb::DB::open_cf(&rocksdb::Options::default(), dir, layout::ALL_CFS)?;
    let ids = db
        .cf_handle(layout::CF_IDS)
        .ok_or_else(|| anyhow!("no ids column family"))?;
    let at = db
        .get_cf(ids, id.0)?
        .ok_or_else(|| anyhow!("{id} not held"))?;
    let entries = db
        .cf_handle(layout::CF_ENTRIES)
        .ok_or_else(|| anyhow!("no entries column family"))?;
    let record = db
        .get_cf(entries, &at)?
        .ok_or_else(|| anyhow!("no log record"))?;
    let entry = layout::split_log_record(&record)
        .ok_or_else(|| anyhow!("malformed log record"))?
        .entry
        .to_vec();
    // Schema 2 keeps the payload inside the log record: the record without it.
    db.put_cf(entries, &at, layout::log_record(&entry, None))?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_an_older_version_kept_without_its_payload_is_fetched_again_by_sync() -> Result<()>
{
    bounded("payload repair", Duration::from_secs(60), async {
        let coalition = Coalition::new(1)?;
        let dirs = temp_dirs(2)?;
        let chain: Vec<WireEntry> = {
            let mut out = Vec::new();
            let mut prev = None;
            for n in 0..5u64 {
                let wire = coalition.sign_entry(0, n + 1, prev, &practice(0, n as usize))?;
                prev = Some(Hash32::of(&wire.entry));
                out.push(wire);
            }
            out
        };
        let damaged = Hash32::of(&chain[1].entry);
        // The damaged store: all 5 entries, entry 2's payload gone, and the check not yet run.
        let store_dir = dirs[0].path().join("store");
        {
            let store = coalition.create_store(&store_dir)?;
            store.ingest(chain.clone())?;
        }
        strip_in_place(&store_dir, &damaged)?;
        let meta = {
            let db = rocksdb::DB::open_cf(
                &rocksdb::Options::default(),
                &store_dir,
                coalition_store::layout::ALL_CFS,
            )?;
            let meta = db
                .cf_handle(coalition_store::layout::CF_META)
                .ok_or_else(|| anyhow!("no meta"))?;
            db.delete_cf(meta, b"payloads_checked")?;
            db.get_cf(meta, b"payloads_checked")?
        };
        ensure!(meta.is_none(), "the check flag was cleared");

        let store = std::sync::Arc::new(Store::open(&store_dir)?);
        ensure!(
            store.payload_missing(&damaged)?,
            "the reopened store knows entry 2 lacks its payload"
        );
        // A full copy whose payload does not match the commitment is refused.
        let outcome = store.ingest(vec![tampered(&chain[1])])?;
        ensure!(
            matches!(outcome.as_slice(), [IngestOutcome::Rejected { .. }]),
            "a tampered payload is refused: {outcome:?}"
        );
        ensure!(
            store.payload_missing(&damaged)?,
            "still missing after the tampered copy"
        );

        let victim = Node::start(
            "victim",
            dirs[0].path(),
            store,
            test_config(Duration::from_secs(1))?,
        )
        .await?;
        let peer_store = coalition.create_store(&dirs[1].path().join("store"))?;
        peer_store.ingest(chain.clone())?;
        let peer = Node::start(
            "peer",
            dirs[1].path(),
            peer_store,
            test_config(Duration::from_secs(1))?,
        )
        .await?;
        connect(&victim, &peer).await?;
        let took = wait_until(
            "the victim to get entry 2's payload back by sync",
            Duration::from_secs(10),
            || async {
                let back = victim
                    .store
                    .entry(&damaged)?
                    .is_some_and(|e| e.payload().is_some());
                Ok((
                    back,
                    format!("missing: {}", victim.store.payload_missing(&damaged)?),
                ))
            },
        )
        .await?;
        ensure!(
            victim.store.missing_payloads()?.is_empty(),
            "nothing is marked missing any more"
        );
        ensure!(victim.store.entry_count() == 5, "still 5 entries");
        say(format!(
            "entry held without its payload: restored by sync {took:?} after connecting"
        ));
        victim.stop().await?;
        peer.stop().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sockets_from_one_address_do_not_lock_out_newcomers() -> Result<()> {
    bounded("connection slots", Duration::from_secs(120), async {
        const SOCKETS: usize = 32;
        let coalition = Coalition::new(1)?;
        let dirs = temp_dirs(1)?;
        let nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(300))).await?;
        let victim = &nodes[0];
        let port = victim
            .addr
            .iter()
            .find_map(|p| match p {
                libp2p::multiaddr::Protocol::Tcp(port) => Some(port),
                _ => None,
            })
            .ok_or_else(|| anyhow!("no TCP port in {}", victim.addr))?;
        let target: std::net::SocketAddr = format!("127.0.0.1:{port}").parse()?;

        // 32 sockets from 127.0.0.30 that say nothing, each reopened as soon as it is closed.
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reopened = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut holders = Vec::new();
        for _ in 0..SOCKETS {
            let stop = stop.clone();
            let reopened = reopened.clone();
            holders.push(tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let socket = tokio::net::TcpSocket::new_v4()?;
                    socket.bind("127.0.0.30:0".parse()?)?;
                    if let Ok(mut stream) = socket.connect(target).await {
                        let mut buf = [0u8; 256];
                        // Hold it until the node closes it (or it sends something and closes).
                        loop {
                            match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
                                Ok(Ok(0)) | Ok(Err(_)) => break,
                                Ok(Ok(_)) => {}
                                Err(_) if stop.load(std::sync::atomic::Ordering::Relaxed) => break,
                                Err(_) => {}
                            }
                        }
                        reopened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                anyhow::Ok(())
            }));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;

        let mut times = Vec::new();
        for i in 0..15 {
            let mut newcomer = RawPeer::spawn(coalition.network_id())?;
            let started = Instant::now();
            newcomer
                .connect(&victim.addr)
                .await
                .map_err(|e| anyhow!("newcomer {i} could not connect while the slots were attacked: {e}"))?;
            let took = started.elapsed();
            ensure!(took < Duration::from_secs(5), "newcomer {i} took {took:?}");
            times.push(took);
            newcomer.stop();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for holder in holders {
            holder.await??;
        }
        times.sort();
        say(format!(
            "{SOCKETS} idle sockets from one address (reopened {} times): 15 of 15 newcomers connected, median {:?}, max {:?}",
            reopened.load(std::sync::atomic::Ordering::Relaxed),
            times[times.len() / 2],
            times.last().copied().unwrap_or_default()
        ));
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_peer_ids_from_one_address_get_the_address_banned() -> Result<()> {
    bounded("fresh ids", Duration::from_secs(120), async {
        let coalition = Coalition::new(1)?;
        let dirs = temp_dirs(2)?;
        // Raw peers connect from 127.0.0.1 (libp2p binds dial sockets to 0.0.0.0), so the victim
        // runs without the tests' loopback exemption, and dials the honest relay itself: only
        // inbound connections count against an address.
        let nodes = start_nodes(&coalition, &dirs, |i| {
            let mut config = test_config(Duration::from_secs(300))?;
            config.allow_loopback = i != 0;
            Ok(config)
        })
        .await?;
        let (victim, relay) = (&nodes[0], &nodes[1]);
        connect(victim, relay).await?;
        wait_for_mesh(&[victim, relay], 1, Duration::from_secs(10)).await?;
        let max_per_ip = victim.config.max_invalid_per_ip as u64;

        let mut sent = 0u64;
        let mut ids = 0;
        let mut banned_after = None;
        for round in 0..50u64 {
            let mut attacker = RawPeer::spawn(coalition.network_id())?;
            if attacker.connect(&victim.addr).await.is_err() {
                banned_after = Some(sent);
                attacker.stop();
                break;
            }
            ids += 1;
            // Two forged entries each: a flipped signature bit, below the per-id limit.
            for k in 0..2u64 {
                let mut forged = coalition.sign_entry(0, 1, None, &practice(0, (round * 2 + k) as usize))?;
                if let Some(last) = forged.entry.last_mut() {
                    *last ^= 0x01;
                }
                attacker.publish(GossipMessage::Entry(forged).to_bytes()).await?;
                sent += 1;
            }
            wait_until("the victim to judge the forged entries", Duration::from_secs(10), || async {
                let s = victim.status().await?;
                Ok((s.counters.gossip_rejected >= sent || s.banned_addresses > 0, gossip_counts(victim).await?))
            })
            .await?;
            if victim.status().await?.banned_addresses > 0 {
                banned_after = Some(sent);
                attacker.stop();
                break;
            }
            attacker.stop();
        }
        let banned_after = banned_after.ok_or_else(|| anyhow!("the address was never banned after {sent} invalid messages from {ids} ids"))?;
        ensure!(banned_after <= max_per_ip + 2, "banned only after {banned_after} invalid messages (limit {max_per_ip})");
        // A further fresh id from that address is refused at once; the honest relay is unharmed.
        let mut late = RawPeer::spawn(coalition.network_id())?;
        ensure!(late.connect(&victim.addr).await.is_err(), "a fresh id from the banned address got in");
        late.stop();
        let s = victim.status().await?;
        ensure!(s.connected_peers.contains(&relay.peer_id()), "the honest relay is still connected");
        let before = s.counters.entries_via_gossip;
        let honest = coalition.sign_entry(0, 1, None, &practice(0, 999))?;
        let id = inject(relay, honest).await?;
        let took = wait_for_gossip(victim, id, before, Duration::from_secs(1)).await?;
        say(format!(
            "fresh ids from one address: banned after {banned_after} invalid messages from {ids} ids; honest entry by gossip in {took:?}"
        ));
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_relaying_non_members_entries_is_banned() -> Result<()> {
    bounded("non-member entries", Duration::from_secs(60), async {
        let coalition = Coalition::new(1)?;
        let dirs = temp_dirs(2)?;
        let nodes = start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(1))).await?;
        let (victim, relay) = (&nodes[0], &nodes[1]);
        connect(relay, victim).await?;
        wait_for_mesh(&[victim, relay], 1, Duration::from_secs(10)).await?;
        let mut attacker = RawPeer::spawn(coalition.network_id())?;
        attacker.connect(&victim.addr).await?;
        let stranger = SecretKey::from_seed([77; 32]);
        let mut prev = None;
        let started = Instant::now();
        let mut sent = 0;
        while started.elapsed() < Duration::from_secs(20) {
            let (entry, blob) = SignedEntry::create(
                &stranger,
                coalition.network_id(),
                sent + 1,
                prev,
                CREATED_MS,
                &practice(0, sent as usize),
            );
            prev = Some(entry.id());
            if attacker
                .publish(GossipMessage::Entry(WireEntry::new(&entry, Some(blob))).to_bytes())
                .await
                .is_err()
            {
                break; // no peer left to publish to
            }
            sent += 1;
            let s = victim.status().await?;
            if !s.connected_peers.contains(&attacker.peer_id) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let s = victim.status().await?;
        say(format!(
            "non-member entries: {sent} sent in {:?}; {}",
            started.elapsed(),
            gossip_counts(victim).await?
        ));
        ensure!(
            !s.connected_peers.contains(&attacker.peer_id),
            "the relay of a non-member's entries is still connected after {sent}"
        );
        ensure!(s.banned_peers >= 1, "and banned");
        ensure!(
            s.connected_peers.contains(&relay.peer_id()),
            "the honest relay is not"
        );
        ensure!(victim.store.entry_count() == 0, "nothing stored");
        attacker.stop();
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_request_for_another_coalition_is_refused_as_such() -> Result<()> {
    bounded("wrong network", Duration::from_secs(30), async {
        let coalition = Coalition::new(1)?;
        let dirs = temp_dirs(1)?;
        let nodes =
            start_nodes(&coalition, &dirs, |_| test_config(Duration::from_secs(300))).await?;
        nodes[0]
            .publish_practice(&coalition.cities[0], &practice(0, 1))
            .await?;
        let peer = RawSyncPeer::spawn()?;
        peer.connect(&nodes[0].addr).await?;
        let request = SyncRequest {
            network_id: Hash32([9; 32]),
            frontier: Frontier::new(0, []),
            authors: AuthorRange::ALL,
        };
        let tally = peer
            .hammer(nodes[0].peer_id(), request, 1, 1, Duration::from_secs(5))
            .await?;
        say(format!("a request for another coalition: {tally:?}"));
        ensure!(
            tally.wrong_network == 1 && tally.batches == 0,
            "refused as another coalition's request: {tally:?}"
        );
        peer.stop();
        for node in nodes {
            node.stop().await?;
        }
        Ok(())
    })
    .await
}

/// Issue #16: after an erasure, a peer offering the erased payload again — by gossip (a rogue
/// peer) or by sync (a node that still holds it) — gets it refused: the victim keeps the entry
/// without its payload, does not relay the message, and does not punish the sender (a node of an
/// earlier release may still hold the payload honestly).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_payload_offered_again_by_gossip_or_sync_is_refused() -> Result<()> {
    bounded(
        "erased payloads offered again",
        Duration::from_secs(60),
        async {
            let coalition = Coalition::new(1)?;
            let dirs = temp_dirs(3)?;
            let nodes = start_nodes(&coalition, &dirs, |_| {
                test_config(Duration::from_millis(500))
            })
            .await?;
            let (victim, bystander, stale) = (&nodes[0], &nodes[1], &nodes[2]);
            connect(bystander, victim).await?;
            wait_for_mesh(&[victim, bystander], 1, Duration::from_secs(10)).await?;

            let genuine = coalition.sign_entry(0, 1, None, &practice(0, 0))?;
            let id = Hash32::of(&genuine.entry);
            let erasure = coalition.sign_entry(
                0,
                2,
                Some(id),
                &coalition_record::Payload::Erasure(coalition_record::payload::Erasure {
                    target: id,
                    reason: "the contact person left".into(),
                }),
            )?;
            // The victim and the stale node take the practice from their store, not by gossip, so
            // the rogue's copy below is a message the victim has never seen.
            for node in [victim, stale] {
                node.store.ingest(vec![genuine.clone()])?;
            }
            ensure!(victim.store.payload_held(&id)?);
            let erasure_id = inject(victim, erasure).await?;
            ensure!(
                !victim.store.payload_held(&id)?,
                "the victim deleted the payload on storing the erasure"
            );
            wait_for_entry(&[bystander], erasure_id, Duration::from_secs(10)).await?;

            // By gossip: a rogue peer publishes the original with its payload.
            let mut attacker = RawPeer::spawn(coalition.network_id())?;
            attacker.connect(&victim.addr).await?;
            let judged = {
                let s = victim.status().await?;
                s.counters.gossip_accepted + s.counters.gossip_rejected + s.counters.gossip_ignored
            };
            let relayed_before = bystander.status().await?.counters.gossip_received;
            attacker
                .publish(GossipMessage::Entry(genuine.clone()).to_bytes())
                .await?;
            wait_judged(victim, judged + 1, Duration::from_secs(10)).await?;
            ensure!(
                !victim.store.payload_held(&id)?,
                "the victim kept the erased payload a rogue peer offered"
            );
            tokio::time::sleep(Duration::from_millis(800)).await;
            let s = victim.status().await?;
            ensure!(
                s.counters.gossip_rejected == 0,
                "the sender is not punished: {}",
                gossip_counts(victim).await?
            );
            ensure!(
                bystander.status().await?.counters.gossip_received == relayed_before,
                "the victim relayed the erased payload to its mesh"
            );
            ensure!(!bystander.store.payload_held(&id)?);

            // By sync: a node that still holds the payload, and not the erasure, meets the victim.
            ensure!(stale.store.payload_held(&id)?);
            connect(stale, victim).await?;
            wait_until(
                "the stale node to take the erasure by sync and delete the payload",
                Duration::from_secs(20),
                || async { Ok((!stale.store.payload_held(&id)?, String::new())) },
            )
            .await?;
            ensure!(
                !victim.store.payload_held(&id)?,
                "the victim took the payload back from the stale node's sync answer"
            );
            say(format!(
                "erased payload offered again: {}; {}",
                gossip_counts(victim).await?,
                gossip_counts(bystander).await?
            ));
            attacker.stop();
            for node in nodes {
                node.stop().await?;
            }
            Ok(())
        },
    )
    .await
}
