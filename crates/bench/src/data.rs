//! Synthetic but realistic workload: ~20 cities, practices of 1–4 KiB with multilingual text
//! drawn from a topical vocabulary, signed into proper per-city chains.

use anyhow::Result;
use coalition_record::{
    ActivityUpdate, EntryId, LangText, Payload, Period, Practice, SignedEntry, UpdateCategory,
    WireEntry,
};
use coalition_tests::{city_name, Coalition, CREATED_MS};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Cities of the coalition most scenarios build (each signs its own chain).
pub const CITIES: usize = 20;

/// Country codes given to cities round-robin (city `i` gets `COUNTRIES[i % 10]`).
pub const COUNTRIES: [&str; 10] = ["FR", "DE", "ES", "IT", "NL", "BE", "SE", "PL", "AT", "PT"];

/// The themes a practice draws one of.
pub const THEMES: [&str; 8] = [
    "housing",
    "education",
    "employment",
    "policing",
    "health",
    "culture",
    "sport",
    "media",
];

/// The topical vocabulary practice and update texts are drawn from, so that full-text queries
/// match a realistic share of entries.
pub const WORDS: [&str; 96] = [
    "housing",
    "rental",
    "agency",
    "paired",
    "testing",
    "discrimination",
    "racism",
    "school",
    "teacher",
    "training",
    "police",
    "reporting",
    "hate",
    "crime",
    "victim",
    "support",
    "office",
    "ombudsman",
    "youth",
    "sport",
    "club",
    "football",
    "library",
    "museum",
    "festival",
    "migrant",
    "refugee",
    "language",
    "course",
    "mentoring",
    "employment",
    "recruitment",
    "anonymous",
    "cv",
    "employer",
    "charter",
    "monitoring",
    "survey",
    "data",
    "equality",
    "body",
    "complaint",
    "mediation",
    "neighbourhood",
    "council",
    "participation",
    "citizens",
    "assembly",
    "roma",
    "traveller",
    "muslim",
    "jewish",
    "african",
    "descent",
    "antisemitism",
    "islamophobia",
    "awareness",
    "campaign",
    "poster",
    "media",
    "journalist",
    "online",
    "social",
    "network",
    "moderation",
    "health",
    "clinic",
    "interpreter",
    "access",
    "services",
    "procurement",
    "contract",
    "clause",
    "budget",
    "evaluation",
    "impact",
    "indicator",
    "baseline",
    "target",
    "partnership",
    "ngo",
    "university",
    "research",
    "workshop",
    "volunteers",
    "coordinator",
    "municipal",
    "staff",
    "diversity",
    "inclusion",
    "intercultural",
    "dialogue",
    "memorial",
    "history",
    "remembrance",
    "week",
];

fn sentence(rng: &mut StdRng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.random_range(0..WORDS.len())]);
    }
    s
}

fn text(rng: &mut StdRng, langs: &[&str], words: usize) -> LangText {
    langs
        .iter()
        .map(|l| (l.to_string(), sentence(rng, words)))
        .collect()
}

/// A practice of `city` whose encoded payload is roughly `target` bytes.
pub fn practice(rng: &mut StdRng, city: usize, target: usize) -> Payload {
    let langs: &[&str] = match rng.random_range(0..10) {
        0..=5 => &["en"],
        6..=7 => &["en", "fr"],
        _ => &["de", "en"],
    };
    let mut commitments: Vec<u8> = (0..rng.random_range(1..=3))
        .map(|_| rng.random_range(1..=10u8))
        .collect();
    commitments.sort();
    commitments.dedup();
    let year = rng.random_range(2015..=2025);
    let mut p = Practice {
        title: text(rng, langs, 6),
        summary: text(rng, langs, 30),
        body: LangText::new(),
        rationale: text(rng, langs, 20),
        approach: text(rng, langs, 20),
        results: text(rng, langs, 15),
        transferability: LangText::new(),
        commitments,
        themes: vec![THEMES[rng.random_range(0..THEMES.len())].to_string()],
        target_groups: vec!["residents".into()],
        partners: vec!["local NGO".into()],
        city: city_name(city),
        country: COUNTRIES[city % COUNTRIES.len()].into(),
        period: Period {
            start: format!("{year}-{:02}", rng.random_range(1..=12)),
            end: None,
        },
        links: Vec::new(),
        contact: None,
        illustrative: true,
        grounds: Vec::new(),
        partner_types: Vec::new(),
    };
    // Grow the body, in the practice's languages, to the target size.
    let size = Payload::Practice(p.clone()).to_bytes().len();
    if target > size {
        let per_lang = (target - size) / langs.len();
        for l in langs {
            let mut body = String::new();
            while body.len() + 12 < per_lang {
                if !body.is_empty() {
                    body.push(' ');
                }
                body.push_str(WORDS[rng.random_range(0..WORDS.len())]);
            }
            p.body.insert(l.to_string(), body);
        }
    }
    Payload::Practice(p)
}

/// An activity update whose encoded payload is about `target` bytes (at least its fixed fields,
/// about 60 bytes).
pub fn update_of_size(rng: &mut StdRng, target: usize) -> Payload {
    let mut update = ActivityUpdate {
        date: format!(
            "2024-{:02}-{:02}",
            rng.random_range(1..=12),
            rng.random_range(1..=28)
        ),
        category: UpdateCategory::Event,
        title: text(rng, &["en"], 3),
        text: LangText::new(),
        commitments: vec![rng.random_range(1..=10u8)],
        links: Vec::new(),
        illustrative: true,
        grounds: Vec::new(),
    };
    let size = Payload::ActivityUpdate(update.clone()).to_bytes().len();
    let mut body = String::new();
    while size + body.len() + 12 < target {
        if !body.is_empty() {
            body.push(' ');
        }
        body.push_str(WORDS[rng.random_range(0..WORDS.len())]);
    }
    if body.is_empty() {
        body.push_str("event");
    }
    update.text.insert("en".into(), body);
    Payload::ActivityUpdate(update)
}

/// `n` signed entries, round-robin over the coalition's cities (so every batch holds several
/// cities, each in chain order). Signed on two threads.
pub fn entries(coalition: &Coalition, n: usize, seed: u64) -> Result<Vec<WireEntry>> {
    entries_sized(coalition, n, seed, None)
}

/// As [`entries`], with payloads of about `payload_bytes` each when given.
pub fn entries_sized(
    coalition: &Coalition,
    n: usize,
    seed: u64,
    payload_bytes: Option<usize>,
) -> Result<Vec<WireEntry>> {
    let cities = coalition.cities.len();
    let network_id = coalition.network_id();
    let per_city = |c: usize| n / cities + usize::from(c < n % cities);
    let sign_city = |c: usize| -> Vec<WireEntry> {
        let mut rng = StdRng::seed_from_u64(seed ^ ((c as u64 + 1) * 0x9e37_79b9));
        let key = &coalition.cities[c];
        let mut prev: Option<EntryId> = None;
        let mut out = Vec::with_capacity(per_city(c));
        for s in 0..per_city(c) {
            let payload = match payload_bytes {
                Some(size) => update_of_size(&mut rng, size),
                None => {
                    let size = rng.random_range(1024..=4096);
                    practice(&mut rng, c, size)
                }
            };
            let (entry, blob) = SignedEntry::create_with_salt(
                key,
                network_id,
                s as u64 + 1,
                prev,
                CREATED_MS + (s * cities + c) as i64,
                &payload,
                rng.random(),
            );
            prev = Some(entry.id());
            out.push(WireEntry::new(&entry, Some(blob)));
        }
        out
    };
    let mut chains: Vec<Vec<WireEntry>> = vec![Vec::new(); cities];
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|t| {
                scope.spawn(move || {
                    (0..cities)
                        .filter(|c| c % 2 == t)
                        .map(|c| (c, sign_city(c)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (c, chain) in h.join().unwrap_or_default() {
                chains[c] = chain;
            }
        }
    });
    let mut iters: Vec<_> = chains.into_iter().map(|c| c.into_iter()).collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let before = out.len();
        for it in iters.iter_mut() {
            if let Some(e) = it.next() {
                out.push(e);
            }
        }
        if out.len() == before {
            break;
        }
    }
    Ok(out)
}

/// Bytes of `entries` as carried: entry bytes plus payload bytes and their 16-byte salt (length
/// prefixes and message framing not counted).
pub fn wire_bytes(entries: &[WireEntry]) -> usize {
    entries
        .iter()
        .map(|w| w.entry.len() + w.payload.as_ref().map_or(0, |p| p.bytes.len() + 16))
        .sum()
}
