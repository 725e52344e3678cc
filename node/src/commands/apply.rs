//! `coalition apply`: a candidate city's signed membership application, and reading one back
//! for `roster propose admit --application` (PROTOCOL.md §4.1).

use crate::cli::ApplyArgs;
use crate::datadir::{load_charter, DataDir};
use anyhow::{bail, Context, Result};
use coalition_record::application::{Application, SignedApplication};
use coalition_record::{Hash32, FORMAT_VERSION};
use std::path::Path;
use std::process::ExitCode;

pub(crate) fn run(args: ApplyArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let config = dir.config()?;
    let key = dir.city_key()?;
    let charter = load_charter(&dir.charter_path())?;
    if args.out.exists() {
        bail!(
            "{} exists; refusing to overwrite it (give another --out)",
            args.out.display()
        );
    }
    coalition_record::schema::language_tag("--letter-lang", &args.letter_lang)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let letter = std::fs::read_to_string(&args.letter)
        .with_context(|| format!("cannot read the letter {}", args.letter.display()))?;
    let application = Application {
        version: FORMAT_VERSION,
        network_id: charter.network_id(),
        city_key: key.public(),
        city: config.city.clone(),
        country: config.country.clone(),
        contact_office: args.contact_office.clone(),
        letter: [(args.letter_lang.clone(), letter.trim().to_string())]
            .into_iter()
            .collect(),
        created_ms: super::now_ms(),
    };
    let signed = application
        .sign(&key)
        .map_err(|e| anyhow::anyhow!("the application is not valid: {e}"))?;
    let text = format!(
        "# Membership application to {}, signed with the city key of {}.\n# Send it to the Steering Committee: `coalition roster propose admit --application {}`.\n{}",
        charter.name,
        config.city,
        args.out.display(),
        toml::to_string(&signed).context("cannot write the application as TOML")?
    );
    std::fs::write(&args.out, text)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    outln!(
        "application of {} ({}) written to {}, signed by {}",
        config.city,
        config.country,
        args.out.display(),
        key.public()
    );
    Ok(ExitCode::SUCCESS)
}

/// Reads an application file and checks it: its schema, that it is for this coalition, and the
/// city key's signature. A changed field (a name, a key) fails the signature.
pub(crate) fn read_application(path: &Path, network_id: &Hash32) -> Result<SignedApplication> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the application {}", path.display()))?;
    let signed: SignedApplication = toml::from_str(&text)
        .with_context(|| format!("{} is not an application file", path.display()))?;
    signed
        .verify(network_id)
        .map_err(|e| anyhow::anyhow!("{}: the application does not hold: {e}", path.display()))?;
    Ok(signed)
}
