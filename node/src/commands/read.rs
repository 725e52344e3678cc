//! Read commands: `show`, `log` and `search`. They open the store read-only, so they work beside a
//! running node.

use super::print_json;
use crate::cli::{KindArg, LogArgs, SearchArgs, ShowArgs};
use crate::datadir::DataDir;
use crate::output::{date_to_ms, entry_line, entry_text};
use anyhow::{bail, Context, Result};
use coalition_record::PayloadKind;
use coalition_search::SearchQuery;
use coalition_store::Query;
use serde_json::json;
use std::process::ExitCode;

pub(super) fn show(args: ShowArgs) -> Result<ExitCode> {
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
        print_json(&entry_json(&store, &entry))?;
    } else {
        out!("{}", entry_text(&roster, &entry, args.lang.as_deref()));
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn log(args: LogArgs) -> Result<ExitCode> {
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
            .map(|e| entry_json(&store, e))
            .collect::<Vec<_>>()))?;
    } else {
        let head = store.head(&author);
        outln!(
            "{} — {} entries",
            roster
                .cities
                .get(&author)
                .map_or("unknown city", |m| m.name.as_str()),
            head.map_or(0, |(seq, _)| seq)
        );
        for e in &entries {
            outln!("{}", entry_line(&roster, e, None));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Store queries one listing may run: one per combination of the filters' values.
const MAX_FILTER_COMBINATIONS: usize = 256;

pub(super) fn search(args: SearchArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    let roster = store.roster();
    for c in &args.commitment {
        coalition_record::schema::commitment("--commitment", *c)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let tags = args.lang.iter().map(|t| ("--lang", t));
    for (flag, tag) in tags.chain(args.language.iter().map(|t| ("--language", t))) {
        coalition_record::schema::language_tag(flag, tag).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let parse_date = |flag: &str, value: &Option<String>| -> Result<Option<i64>> {
        match value {
            None => Ok(None),
            Some(v) => date_to_ms(v)
                .map(Some)
                .with_context(|| format!("{flag} {v}: write a date as YYYY-MM-DD")),
        }
    };
    let cities = args
        .city
        .iter()
        .map(|city| {
            roster.find_by_name(city).cloned().with_context(|| {
                format!("--city {city}: no such city on the roster (see `coalition roster show`)")
            })
        })
        .collect::<Result<Vec<_>>>()?;
    use coalition_record::taxonomy::{check_listed, GROUNDS, PARTNER_TYPES};
    for (flag, values, list, file) in [
        ("--ground", &args.ground, &GROUNDS[..], "docs/grounds.toml"),
        (
            "--partner-type",
            &args.partner_type,
            &PARTNER_TYPES[..],
            "docs/partner-types.toml",
        ),
    ] {
        for value in values {
            check_listed(value, list, file).map_err(|e| anyhow::anyhow!("{flag} {e}"))?;
        }
    }
    // "Active in a year" (period overlap), grounds and partner types need the search index, so
    // --year, --ground and --partner-type go there too.
    if !args.words.is_empty()
        || !args.year.is_empty()
        || !args.ground.is_empty()
        || !args.partner_type.is_empty()
    {
        if args.since.is_some() || args.until.is_some() || args.all {
            bail!(
                "--since, --until and --all filter listings; with search words, --year or --ground use --year or --started instead"
            );
        }
        let names: Vec<String> = cities.iter().map(|m| m.name.clone()).collect();
        return full_text(&dir, &store, &args, &names);
    }
    let kinds = (!args.kind.is_empty()).then(|| {
        args.kind
            .iter()
            .map(|k| {
                match k {
                    KindArg::Practice => PayloadKind::Practice,
                    KindArg::Revision => PayloadKind::PracticeRevision,
                    KindArg::Update => PayloadKind::ActivityUpdate,
                    KindArg::Report => PayloadKind::ActivityReport,
                    KindArg::Retraction => PayloadKind::Retraction,
                }
                .code()
            })
            .collect::<Vec<_>>()
    });
    let base = Query {
        kinds,
        since_ms: parse_date("--since", &args.since)?,
        until_ms: parse_date("--until", &args.until)?,
        include_inactive: args.all,
        offset: 0,
        limit: args.limit,
        ..Query::default()
    };
    let results = listing(&store, &base, &args, &cities)?;
    if args.json.json {
        print_json(&json!(results
            .iter()
            .map(|e| entry_json(&store, e))
            .collect::<Vec<_>>()))?;
    } else {
        if results.is_empty() {
            outln!("no entries match");
        }
        for e in &results {
            outln!("{}", entry_line(&roster, e, args.lang.as_deref()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Each value of a filter, or one "no filter" when it has none.
fn alternatives<T: Clone>(values: &[T]) -> Vec<Option<T>> {
    if values.is_empty() {
        vec![None]
    } else {
        values.iter().cloned().map(Some).collect()
    }
}

/// A listing through the store's indexes, which take one value per filter: one query per
/// combination of the values given, merged newest first (as one query orders them).
fn listing(
    store: &coalition_store::Store,
    base: &Query,
    args: &SearchArgs,
    cities: &[coalition_record::roster::CityMember],
) -> Result<Vec<coalition_store::StoredEntry>> {
    let commitments = alternatives(&args.commitment);
    let authors = alternatives(&cities.iter().map(|m| m.key).collect::<Vec<_>>());
    let countries = alternatives(
        &args
            .country
            .iter()
            .map(|c| c.to_ascii_uppercase())
            .collect::<Vec<_>>(),
    );
    let languages = alternatives(&args.language);
    let started = alternatives(&args.started);
    let combinations =
        commitments.len() * authors.len() * countries.len() * languages.len() * started.len();
    if combinations > MAX_FILTER_COMBINATIONS {
        bail!(
            "{combinations} combinations of filter values; a listing takes at most {MAX_FILTER_COMBINATIONS} (give fewer values, or search words to use the search index)"
        );
    }
    let mut found = std::collections::BTreeMap::new();
    for commitment in &commitments {
        for author in &authors {
            for country in &countries {
                for language in &languages {
                    for year in &started {
                        let q = Query {
                            commitment: *commitment,
                            author: *author,
                            country: country.clone(),
                            language: language.clone(),
                            year: *year,
                            ..base.clone()
                        };
                        for e in store.query(&q)? {
                            found.insert((e.entry.header.timestamp_ms, e.id()), e);
                        }
                    }
                }
            }
        }
    }
    Ok(found.into_values().rev().take(base.limit).collect())
}

fn kind_name(kind: KindArg) -> &'static str {
    match kind {
        KindArg::Practice | KindArg::Revision => "practice",
        KindArg::Update => "update",
        KindArg::Report => "report",
        KindArg::Retraction => "retraction",
    }
}

/// Ranked full-text search through the search index; through the running node's API when the
/// node holds the index.
/// `cities` are the roster names of the --city values (a value may be a key).
fn full_text(
    dir: &DataDir,
    store: &coalition_store::Store,
    args: &SearchArgs,
    cities: &[String],
) -> Result<ExitCode> {
    let kinds: Vec<String> = args
        .kind
        .iter()
        .map(|k| kind_name(*k).to_string())
        .collect();
    let query = SearchQuery {
        text: Some(args.words.join(" ")),
        lang: args.lang.clone(),
        commitments: args.commitment.clone(),
        country: args.country.clone(),
        city: cities.to_vec(),
        language: args.language.clone(),
        year: args.year.clone(),
        started: args.started.clone(),
        kind: kinds.clone(),
        ground: args.ground.clone(),
        partner_type: args.partner_type.clone(),
        offset: 0,
        limit: args.limit,
        ..SearchQuery::default()
    };
    let relaxed;
    // Without a node, the index is opened as the node opens it (a damaged one is moved aside and
    // rebuilt) and brought up to date with the store (entries published offline included).
    // Its warnings (a damaged index moved aside, a rebuild) go to stderr.
    crate::commands::run_node::init_tracing(crate::config::LogFormat::Text, "warn");
    let opened = match crate::search_index::open_caught_up(&dir.search_path(), store) {
        Ok(index) => Ok(index),
        Err(e) if e.downcast_ref::<crate::search_index::Busy>().is_some() => Err(e),
        Err(e) => return Err(e),
    };
    let hits: Vec<serde_json::Value> = match opened {
        Ok(index) => {
            let results = index.search(&query)?;
            // Each hit with `snippet_html` too, as the node's API gives it.
            let hits: Vec<serde_json::Value> =
                results.hits.iter().map(coalition_api::hit_json).collect();
            if args.json.json {
                let mut answer = serde_json::to_value(&results)?;
                answer["hits"] = serde_json::Value::Array(hits);
                print_json(&answer)?;
                return Ok(ExitCode::SUCCESS);
            }
            relaxed = results.relaxed;
            hits
        }
        Err(_) => {
            // The running node holds the index: ask it.
            let config = dir.config()?;
            let mut url = format!(
                "/api/v1/practices?q={}&limit={}",
                encode(&args.words.join(" ")),
                args.limit
            );
            let numbers = |values: &[i32]| values.iter().map(i32::to_string).collect();
            let pairs: [(&str, Vec<String>); 10] = [
                (
                    "commitment",
                    args.commitment.iter().map(u8::to_string).collect(),
                ),
                ("country", args.country.clone()),
                ("city", cities.to_vec()),
                ("lang", args.lang.iter().cloned().collect()),
                ("language", args.language.clone()),
                ("year", numbers(&args.year)),
                ("started", numbers(&args.started)),
                ("kind", kinds),
                ("ground", args.ground.clone()),
                ("partner_type", args.partner_type.clone()),
            ];
            for (name, values) in pairs {
                for v in values {
                    url.push_str(&format!("&{name}={}", encode(&v)));
                }
            }
            let answer = super::handoff::get_json(&dir.running_api_addr(&config), &url)?;
            if args.json.json {
                print_json(&answer)?;
                return Ok(ExitCode::SUCCESS);
            }
            relaxed = answer
                .get("relaxed")
                .and_then(|r| r.as_bool())
                .unwrap_or(false);
            answer
                .get("items")
                .and_then(|i| i.as_array())
                .cloned()
                .unwrap_or_default()
        }
    };
    if hits.is_empty() {
        outln!("no practices match");
    } else if relaxed {
        outln!("No practice matches all of your words; these match some of them.");
    }
    for hit in hits {
        let field = |k: &str| {
            hit.get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let snippet = snippet_in_brackets(&hit);
        outln!(
            "{}  {:<16} {}  {}",
            &field("id")[..16.min(field("id").len())],
            field("city"),
            field("kind"),
            field("title")
        );
        outln!("    {}", snippet.trim());
        if let Some(lang) = hit.get("matched_lang").and_then(|l| l.as_str()) {
            outln!("    (matched in {lang})");
        }
        if let Some(by) = hit.get("translated_by") {
            let part = |k: &str| by.get(k).and_then(|v| v.as_str()).unwrap_or("?");
            outln!(
                "    (translated by {} from {})",
                part("city"),
                part("from_lang")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A hit's snippet as plain text, the matched words in `[…]`: from `snippet_text` and
/// `highlights`, or from `snippet_html` when a node of an earlier version answered without them.
fn snippet_in_brackets(hit: &serde_json::Value) -> String {
    let Some(text) = hit.get("snippet_text").and_then(|t| t.as_str()) else {
        let html = hit.get("snippet_html").and_then(|t| t.as_str());
        return html
            .unwrap_or_default()
            .replace("<mark>", "[")
            .replace("</mark>", "]")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&");
    };
    let offset = |h: &serde_json::Value, k: &str| {
        h.get(k)
            .and_then(|v| v.as_u64())
            .and_then(|v| usize::try_from(v).ok())
    };
    let highlights = hit
        .get("highlights")
        .and_then(|h| h.as_array())
        .into_iter()
        .flatten()
        .filter_map(|h| {
            Some(coalition_search::Highlight {
                start: offset(h, "start")?,
                end: offset(h, "end")?,
            })
        })
        .collect();
    let snippet = coalition_search::Snippet {
        text: text.to_string(),
        highlights,
    };
    snippet
        .parts()
        .into_iter()
        .map(|(part, matched)| {
            if matched {
                format!("[{part}]")
            } else {
                part.to_string()
            }
        })
        .collect()
}

/// Percent-encodes a query-string value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `coalition reindex`: rebuilds the search index from the store (the node must be stopped).
pub(super) fn reindex(args: crate::cli::VerifyArgs) -> Result<ExitCode> {
    let dir = DataDir::new(&args.data_dir.data_dir);
    let store = dir.open_store_read_only()?;
    crate::commands::run_node::init_tracing(crate::config::LogFormat::Text, "info");
    let total = store.entry_count();
    let opened = crate::search_index::open(&dir.search_path(), &store, true)?;
    if opened.repaired {
        outln!("the search index was damaged: moved it aside and rebuilt it");
    }
    let count = opened.rebuilt.unwrap_or_default();
    outln!("search index rebuilt: {count} documents from {total} entries");
    Ok(ExitCode::SUCCESS)
}

/// One entry as JSON: the keys of `GET /api/v1/entries/{id}` (the API's own view of it).
fn entry_json(
    store: &coalition_store::Store,
    e: &coalition_store::StoredEntry,
) -> serde_json::Value {
    serde_json::to_value(coalition_api::entry_view(store, e)).unwrap_or(serde_json::Value::Null)
}
