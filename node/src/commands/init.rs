//! `coalition init`: set up a city node's data directory.

use super::{print_json, roster_file};
use crate::cli::InitArgs;
use crate::config::Config;
use crate::datadir::{charter_toml, load_charter, write_secret_file, DataDir};
use anyhow::{bail, Context, Result};
use coalition_record::SecretKey;
use coalition_store::Store;
use serde_json::json;
use std::process::ExitCode;

pub(crate) fn run(args: InitArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    if dir.config_path().exists() || dir.city_key_path().exists() || dir.store_path().exists() {
        bail!(
            "{} already holds a coalition node (config.toml, city.key or store/); refusing to overwrite it. Use another --data-dir",
            dir.root.display()
        );
    }
    let country = args.country.clone().unwrap_or_default();
    if !(args.observer && country.is_empty()) {
        coalition_record::schema::country("--country", &country)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let city = match (&args.city, args.observer) {
        (Some(name), _) if !name.trim().is_empty() => name.clone(),
        (_, true) => "observer".to_string(),
        _ => bail!("--city must name the city"),
    };
    let charter = load_charter(&args.charter)?;
    let roster_path = args
        .roster
        .clone()
        .unwrap_or_else(|| roster_file::default_path(&args.charter));
    let history = roster_file::read(&roster_path)?;

    if args.observer {
        let store = create_node_dir(&dir, &charter, &city, &country, &history, None)?;
        if args.json.json {
            print_json(&json!({
                "data_dir": dir.root.display().to_string(),
                "observer": true,
                "network_id": charter.network_id().to_hex(),
                "roster_version": store.roster_version(),
            }))?;
        } else {
            outln!("observer    {city} (no city key: this node syncs, searches and audits, and publishes nothing)");
            outln!("data dir    {}", dir.root.display());
            outln!("network id  {}", charter.network_id());
            outln!("roster      version {}", store.roster_version());
            outln!(
                "next        add peers to [network] bootstrap in config.toml, then `coalition run`"
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let key = SecretKey::generate();
    let store = create_node_dir(&dir, &charter, &city, &country, &history, Some(&key))?;
    let applied = store.roster_version();
    let public = key.public();
    let admitted = store.roster().cities.contains_key(&public);
    if args.json.json {
        print_json(&json!({
            "data_dir": dir.root.display().to_string(),
            "city_key": public.to_hex(),
            "network_id": charter.network_id().to_hex(),
            "roster_version": store.roster_version(),
            "admitted": admitted,
        }))?;
    } else {
        outln!("city key    {public}");
        outln!("data dir    {}", dir.root.display());
        outln!("network id  {}", charter.network_id());
        outln!(
            "roster      version {} ({applied} change(s) imported)",
            store.roster_version()
        );
        if !admitted && charter.threshold <= 1 {
            outln!(
                "next        ask the Steering Committee to admit this city:\n            coalition roster admit --charter {} --committee-key KEY --city-key {public} --city \"{}\" --country {}",
                args.charter.display(),
                city,
                country
            );
        } else if !admitted {
            outln!(
                "next        ask the Steering Committee to admit this city ({} of {} members must sign):\n            coalition roster propose admit --charter {} --city-key {public} --city \"{}\" --country {} --out admit.txt\n            then each signer: coalition roster sign admit.txt --committee-key KEY; then: coalition roster publish admit.txt",
                charter.threshold,
                charter.committee.len(),
                args.charter.display(),
                city,
                country
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a complete node directory: keys (mode 0600), charter, store with the roster history
/// applied, and config.toml last (its presence marks the directory complete). Without a city
/// key, an observer's directory.
pub(crate) fn create_node_dir(
    dir: &DataDir,
    charter: &coalition_record::Charter,
    city: &str,
    country: &str,
    history: &[coalition_record::SignedRosterChange],
    key: Option<&SecretKey>,
) -> Result<Store> {
    std::fs::create_dir_all(&dir.root)
        .with_context(|| format!("cannot create {}", dir.root.display()))?;
    if let Some(key) = key {
        write_secret_file(&dir.city_key_path(), &key.to_file_text())?;
    }
    let token = hex::encode(rand::random::<[u8; 24]>());
    write_secret_file(&dir.token_path(), &format!("{token}\n"))?;
    std::fs::write(dir.charter_path(), charter_toml(charter)?)?;
    let store = Store::create(&dir.store_path(), charter)?;
    for change in history {
        store.apply_roster_change(change)?;
    }
    let config = Config {
        privacy: Default::default(),
        city: city.to_string(),
        country: country.to_string(),
        observer: key.is_none(),
        network: Default::default(),
        api: Default::default(),
        log: Default::default(),
    };
    std::fs::write(dir.config_path(), config.commented_toml())?;
    Ok(store)
}
