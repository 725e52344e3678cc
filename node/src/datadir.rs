//! The data directory: where a node's config, keys, charter and store live, and the helpers that
//! open them with errors that say what to do.

use crate::config::Config;
use anyhow::{bail, Context, Result};
use coalition_record::{Charter, PublicKey, SecretKey};
use coalition_store::{Store, StoreError};
use std::io::Write;
use std::path::{Path, PathBuf};

pub(crate) struct DataDir {
    pub root: PathBuf,
}

impl DataDir {
    pub(crate) fn new(root: &Path) -> Self {
        DataDir {
            root: root.to_path_buf(),
        }
    }

    pub(crate) fn config_path(&self) -> PathBuf {
        self.root.join("config.toml")
    }
    pub(crate) fn city_key_path(&self) -> PathBuf {
        self.root.join("city.key")
    }
    pub(crate) fn node_key_path(&self) -> PathBuf {
        self.root.join("node.key")
    }
    pub(crate) fn token_path(&self) -> PathBuf {
        self.root.join("api.token")
    }
    pub(crate) fn charter_path(&self) -> PathBuf {
        self.root.join("charter.toml")
    }
    /// Written by a running node: the address its API actually listens on.
    pub(crate) fn api_addr_path(&self) -> PathBuf {
        self.root.join("api.addr")
    }

    /// Where the running node's API listens: its own note, else config.toml.
    pub(crate) fn running_api_addr(&self, config: &Config) -> String {
        std::fs::read_to_string(self.api_addr_path())
            .map(|s| s.trim().to_string())
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| config.api.listen.clone())
    }

    /// What this city has signed, kept apart from the store (see `coalition_store::high_water`).
    pub(crate) fn high_water_path(&self) -> PathBuf {
        self.root.join(coalition_store::HIGH_WATER_FILE)
    }

    pub(crate) fn store_path(&self) -> PathBuf {
        self.root.join("store")
    }
    pub(crate) fn search_path(&self) -> PathBuf {
        self.root.join("search")
    }

    fn require_initialised(&self) -> Result<()> {
        if !self.config_path().exists() {
            bail!(
                "{} is not a coalition node directory (no config.toml); create one with `coalition init --data-dir {} --charter CHARTER --city NAME --country CC`, or point --data-dir (or COALITION_DATA_DIR) at an existing one",
                self.root.display(),
                self.root.display()
            );
        }
        Ok(())
    }

    pub(crate) fn config(&self) -> Result<Config> {
        self.require_initialised()?;
        Config::load(&self.config_path())
    }

    pub(crate) fn city_key(&self) -> Result<SecretKey> {
        if !self.city_key_path().exists() && self.config().is_ok_and(|c| c.observer) {
            anyhow::bail!(
                "{} is an observer's node (config.toml: observer = true): it holds no city key, so it cannot publish, retract or revise; it syncs, searches and audits",
                self.root.display()
            );
        }
        read_secret_key(&self.city_key_path())
    }

    pub(crate) fn api_token(&self) -> Result<String> {
        Ok(std::fs::read_to_string(self.token_path())
            .with_context(|| format!("cannot read {}", self.token_path().display()))?
            .trim()
            .to_string())
    }

    /// Opens the store for writing; `Ok(None)` when another process holds it (a running node:
    /// hand work to it). Notes who holds the lock in `store.owner`, for [`DataDir::lock_owner`].
    pub(crate) fn open_store_for_write(&self) -> Result<Option<Store>> {
        self.require_initialised()?;
        match Store::open(&self.store_path()) {
            Ok(store) => {
                self.attach_high_water(&store)?;
                let args: Vec<String> = std::env::args().skip(1).collect();
                let note = format!("{}\ncoalition {}\n", std::process::id(), args.join(" "));
                // Best effort: only used to word the message of whoever finds the store locked.
                let _ = std::fs::write(self.owner_path(), note);
                Ok(Some(store))
            }
            Err(StoreError::Locked { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Attaches the high-water mark of this node's city to a store opened for writing, so it
    /// never signs at a seq it already used. A node without a city key has nothing to attach.
    fn attach_high_water(&self, store: &Store) -> Result<()> {
        let Ok(key) = self.city_key() else {
            return Ok(());
        };
        let status = store.attach_high_water(&self.high_water_path(), &key.public())?;
        if status.recovered > 0 {
            tracing::warn!(
                recovered = status.recovered,
                "took this city's last signed entries from {} into the store (the last run stopped between the two writes)",
                self.high_water_path().display()
            );
        }
        if !status.can_publish() {
            tracing::warn!(
                signed = status.signed,
                stored = status.stored,
                "this store is behind what this city has already signed; publishing is held until the node has synced the city's own entries back from a peer (see docs/OPERATIONS.md)"
            );
        }
        Ok(())
    }

    /// The high-water mark as the file says, for read-only checks (`verify`, `restore`).
    pub(crate) fn read_high_water(
        &self,
    ) -> Result<Option<coalition_store::high_water::SignedHead>> {
        let key = self.city_key()?;
        Ok(coalition_store::high_water::read_file(
            &self.high_water_path(),
            &key.public(),
        )?)
    }

    /// Written by whoever opens the store for writing: its process id and command line.
    pub(crate) fn owner_path(&self) -> PathBuf {
        self.root.join("store.owner")
    }

    /// Who holds the store lock, in words, with what to do; from `store.owner` when the process
    /// it names is still alive.
    pub(crate) fn lock_owner(&self) -> String {
        let note = std::fs::read_to_string(self.owner_path()).unwrap_or_default();
        let mut lines = note.lines();
        let pid = lines.next().and_then(|p| p.trim().parse::<u32>().ok());
        let command = lines.next().unwrap_or_default().trim().to_string();
        let alive = pid.is_some_and(|p| Path::new(&format!("/proc/{p}")).exists());
        match pid {
            Some(pid) if alive && command.starts_with("coalition run") => format!(
                "a coalition node (pid {pid}, `{command}`) is running on this data directory; stop it first (SIGTERM), or use its web page and API"
            ),
            Some(pid) if alive && command.starts_with("coalition demo") => format!(
                "the coalition demo (pid {pid}) uses this data directory; stop it first"
            ),
            Some(pid) if alive => format!(
                "a coalition command (pid {pid}, `{command}`) is using the store; let it finish, then try again"
            ),
            _ => format!(
                "another process holds the store's lock ({}); if no coalition process is running, find it with `fuser {}`",
                self.store_path().join("LOCK").display(),
                self.store_path().join("LOCK").display()
            ),
        }
    }

    pub(crate) fn open_store_read_only(&self) -> Result<Store> {
        self.require_initialised()?;
        Ok(Store::open_read_only(&self.store_path())?)
    }
}

pub(crate) fn read_secret_key(path: &Path) -> Result<SecretKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read key file {}", path.display()))?;
    SecretKey::from_file_text(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// Writes a new secret file readable by its owner only (mode 0600); refuses to overwrite.
pub(crate) fn write_secret_file(path: &Path, contents: &str) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists; refusing to overwrite a key (move it away deliberately if you mean to replace it)",
                path.display()
            )
        } else {
            anyhow::anyhow!("cannot create {}: {e}", path.display())
        }
    })?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

pub(crate) fn parse_public_key(text: &str) -> Result<PublicKey> {
    let key = PublicKey::from_hex(text).map_err(|e| anyhow::anyhow!("city key: {e}"))?;
    if key.verifying_key().is_none() {
        bail!("city key {text} is not a valid ed25519 public key");
    }
    Ok(key)
}

pub(crate) fn load_charter(path: &Path) -> Result<Charter> {
    let text = crate::input::read_text(path, "charter")?;
    let charter: Charter = toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: {}",
            path.display(),
            crate::input::one_line(&e.to_string())
        )
    })?;
    charter
        .validate()
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(charter)
}

pub(crate) fn charter_toml(charter: &Charter) -> Result<String> {
    Ok(format!(
        "# Coalition charter: the genesis document. Its canonical bytes hash to the network id\n# {}.\n# Do not edit: any change makes a different coalition.\n{}",
        charter.network_id(),
        toml::to_string(charter)?
    ))
}
