//! Read commands: `show`, `log` and `search`. They open the store read-only, so they work beside a
//! running node.

use super::print_json;
use crate::cli::{KindArg, LogArgs, SearchArgs, ShowArgs};
use crate::datadir::DataDir;
use crate::output::{date_to_ms, entry_json, entry_line, entry_text};
use anyhow::{bail, Context, Result};
use coalition_record::PayloadKind;
use coalition_store::Query;
use serde_json::json;
use std::process::ExitCode;

pub fn show(args: ShowArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let entry = store.entry_by_prefix(&args.id)?.with_context(|| {
        format!(
            "no entry {} on this node (give the full id or a unique prefix of at least 8 hex characters)",
            args.id
        )
    })?;
    let roster = store.roster();
    if args.json.json {
        print_json(&entry_json(&roster, &entry));
    } else {
        print!("{}", entry_text(&roster, &entry, args.lang.as_deref()));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn log(args: LogArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let roster = store.roster();
    let author = match &args.city {
        Some(city) => {
            roster
                .find_by_name(city)
                .with_context(|| {
                    format!("no city {city} on the roster (see `coalition roster show`)")
                })?
                .key
        }
        None => dir.city_key()?.public(),
    };
    let entries = store.log(&author, args.from, args.limit)?;
    if args.json.json {
        print_json(&json!(entries
            .iter()
            .map(|e| entry_json(&roster, e))
            .collect::<Vec<_>>()));
    } else {
        let head = store.head(&author);
        println!(
            "{} — {} entries",
            roster
                .cities
                .get(&author)
                .map_or("unknown city", |m| m.name.as_str()),
            head.map_or(0, |(seq, _)| seq)
        );
        for e in &entries {
            println!("{}", entry_line(&roster, e, None));
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn search(args: SearchArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let roster = store.roster();
    if let Some(c) = args.commitment {
        coalition_record::schema::commitment("--commitment", c)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    if let Some(lang) = &args.lang {
        coalition_record::schema::language_tag("--lang", lang)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let parse_date = |flag: &str, value: &Option<String>| -> Result<Option<i64>> {
        match value {
            None => Ok(None),
            Some(v) => date_to_ms(v)
                .map(Some)
                .with_context(|| format!("{flag} {v}: write a date as YYYY-MM-DD")),
        }
    };
    let author = match &args.city {
        Some(city) => Some(
            roster
                .find_by_name(city)
                .with_context(|| {
                    format!(
                        "--city {city}: no such city on the roster (see `coalition roster show`)"
                    )
                })?
                .key,
        ),
        None => None,
    };
    let kinds = args.kind.map(|k| {
        vec![match k {
            KindArg::Practice => PayloadKind::Practice,
            KindArg::Revision => PayloadKind::PracticeRevision,
            KindArg::Update => PayloadKind::ActivityUpdate,
            KindArg::Report => PayloadKind::ActivityReport,
            KindArg::Retraction => PayloadKind::Retraction,
        }
        .code()]
    });
    if !args.words.is_empty() {
        bail!("full-text search arrives with the search index; filter with --commitment, --city, --country, --lang, --kind, --year, --since and --until for now");
    }
    let query = Query {
        kinds,
        commitment: args.commitment,
        author,
        country: args.country.clone().map(|c| c.to_ascii_uppercase()),
        language: args.lang.clone(),
        year: args.year,
        since_ms: parse_date("--since", &args.since)?,
        until_ms: parse_date("--until", &args.until)?,
        include_inactive: args.all,
        offset: 0,
        limit: args.limit,
    };
    let results = store.query(&query)?;
    if args.json.json {
        print_json(&json!(results
            .iter()
            .map(|e| entry_json(&roster, e))
            .collect::<Vec<_>>()));
    } else {
        if results.is_empty() {
            println!("no entries match");
        }
        for e in &results {
            println!("{}", entry_line(&roster, e, args.lang.as_deref()));
        }
    }
    Ok(ExitCode::SUCCESS)
}
