//! Fixtures for the HTTP and browser tests: a demo-like coalition of four fictional cities with
//! practices in several languages, a revision, a retraction and activity reports, in a real store
//! on a temporary directory with a real (in-memory) search index, served on 127.0.0.1:0.

#![allow(dead_code)]

use coalition_api::{ApiState, NetworkStatus, NetworkView, SyncState};
pub use coalition_record::calendar::DAY_MS;
use coalition_record::payload::{PracticeRevision, Retraction};
use coalition_record::testing::{admit, bare_practice, committee_signed, next_change};
pub use coalition_record::testing::{committee_key, text};
use coalition_record::{
    ActivityReport, Charter, CommitmentReport, Contact, EntryId, Indicator, LangText, Payload,
    Practice, ReportStatus, RosterChange, SecretKey, WireEntry,
};
use coalition_search::SearchIndex;
use coalition_store::Store;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::sync::Arc;
use tempfile::TempDir;
use tokio::sync::{mpsc, oneshot};

pub const TOKEN: &str = "test-token-0123456789";
/// 2024-01-01T00:00:00Z.
pub const T0: i64 = 1_704_067_200_000;

/// Valmeuse, BE: the local city of the test node.
pub fn valmeuse() -> SecretKey {
    SecretKey::from_seed([2u8; 32])
}

/// Lindenau, DE.
pub fn lindenau() -> SecretKey {
    SecretKey::from_seed([3u8; 32])
}

/// Santa Clara del Río, ES.
pub fn santa_clara() -> SecretKey {
    SecretKey::from_seed([4u8; 32])
}

/// Marbourg, FR.
pub fn marbourg() -> SecretKey {
    SecretKey::from_seed([5u8; 32])
}

/// A practice with only a title, a summary, commitments and a start (city and country empty).
pub fn practice(
    title: &[(&str, &str)],
    summary: &[(&str, &str)],
    commitments: &[u8],
    start: &str,
) -> Practice {
    bare_practice(text(title), text(summary), commitments, start)
}

fn fill(mut p: Practice, city: &str, country: &str) -> Practice {
    p.city = city.into();
    p.country = country.into();
    p
}

pub fn fair_rent() -> Practice {
    let mut p = practice(
        &[
            ("en", "Fair Rent: discrimination testing in rental housing"),
            ("fr", "Louer sans discriminer : tests de situation dans le logement locatif"),
            ("de", "Fair mieten: Diskriminierungstests auf dem Mietwohnungsmarkt"),
        ],
        &[
            ("en", "Every year the city commissions paired tests of rental agencies and landlords: two testers with the same income but different names and origins apply for the same flats. Tenants who report a refusal get free legal support."),
            ("fr", "Chaque année, la ville commande des tests de situation auprès des agences immobilières : deux testeurs aux revenus identiques mais aux noms et origines différents postulent pour les mêmes logements. Les locataires refusés reçoivent un accompagnement juridique gratuit."),
            ("de", "Jedes Jahr gibt die Stadt Paartests bei Immobilienagenturen in Auftrag: Zwei Testpersonen mit gleichem Einkommen, aber unterschiedlichen Namen bewerben sich um dieselben Wohnungen."),
        ],
        &[3, 7],
        "2023-03",
    );
    p.body = text(&[
        ("en", "Testing runs in two waves a year on about 300 adverts.\n\nTenants can call the Fair Housing line or walk in to the anti-discrimination office."),
        ("fr", "Les tests se déroulent en deux vagues par an sur environ 300 annonces."),
    ]);
    p.rationale = text(&[(
        "en",
        "Complaints alone showed almost nothing: six housing complaints in 2021.",
    )]);
    p.results = text(&[(
        "en",
        "Less favourable treatment fell from 31 % to 19 % among charter agencies.",
    )]);
    p.themes = vec!["housing".into(), "discrimination testing".into()];
    p.grounds = vec!["racial_or_ethnic_origin".into(), "social_origin".into()];
    p.target_groups = vec!["tenants of foreign origin".into()];
    p.partners = vec![
        "Valmeuse Tenants' Union".into(),
        "University of Valmeuse".into(),
    ];
    p.partner_types = vec!["civil_society".into(), "academia".into()];
    p.links = vec!["https://www.valmeuse.example/en/fair-housing".into()];
    p.period.end = Some("2025-12".into());
    p.contact = Some(Contact {
        name: "Office for Equality, City of Valmeuse".into(),
        role: Some("Fair Housing coordinator".into()),
        email: Some("fair-housing@valmeuse.example".into()),
        phone: None,
    });
    fill(p, "Valmeuse", "BE")
}

pub fn school_mediators() -> Practice {
    let p = practice(
        &[
            ("de", "Schulmediation gegen Rassismus an Grundschulen"),
            ("en", "School mediators against racism in primary schools"),
        ],
        &[
            ("de", "Ausgebildete Mediatorinnen begleiten Konflikte zwischen Kindern und Eltern und schulen Lehrkräfte im Umgang mit rassistischen Vorfällen."),
            ("en", "Trained mediators handle conflicts between pupils and parents and train teachers to respond to racist incidents at school."),
        ],
        &[8, 10],
        "2022-09",
    );
    fill(p, "Lindenau", "DE")
}

pub fn hate_crime_app() -> Practice {
    let p = practice(
        &[
            ("es", "Aplicación para denunciar delitos de odio"),
            ("en", "A mobile app to report hate crimes"),
        ],
        &[
            ("es", "Una aplicación gratuita permite denunciar incidentes racistas de forma anónima; la oficina municipal contacta a la víctima en 48 horas."),
            ("en", "A free app lets residents report racist incidents anonymously; the city's office contacts the victim within 48 hours."),
        ],
        &[1, 3, 10],
        "2024-02",
    );
    fill(p, "Santa Clara del Río", "ES")
}

pub fn festival() -> Practice {
    let p = practice(
        &[("fr", "Festival des mémoires du quartier")],
        &[("fr", "Un festival annuel où les habitants racontent l'histoire de leurs familles, avec expositions dans les bibliothèques et la place publique.")],
        &[9],
        "2021",
    );
    fill(p, "Marbourg", "FR")
}

pub fn report_valmeuse() -> ActivityReport {
    ActivityReport {
        cycle: None,
        city: "Valmeuse".into(),
        country: "BE".into(),
        period: "2024".into(),
        narrative: text(&[
            (
                "en",
                "In 2024 Valmeuse concentrated on housing and on support for victims.",
            ),
            (
                "fr",
                "En 2024, Valmeuse s'est concentrée sur le logement et l'aide aux victimes.",
            ),
        ]),
        commitments: vec![
            CommitmentReport {
                commitment: 3,
                status: ReportStatus::InProgress,
                narrative: text(&[("en", "The office now opens four days a week.")]),
                indicators: vec![Indicator {
                    name: "discrimination reports received".into(),
                    value: 187.0,
                    unit: "reports".into(),
                }],
            },
            CommitmentReport {
                commitment: 7,
                status: ReportStatus::Done,
                narrative: text(&[("en", "Two waves of paired testing (302 adverts).")]),
                indicators: Vec::new(),
            },
        ],
        illustrative: true,
        grounds: Vec::new(),
    }
}

pub fn report_lindenau() -> ActivityReport {
    ActivityReport {
        cycle: None,
        city: "Lindenau".into(),
        country: "DE".into(),
        period: "2024-H1".into(),
        narrative: text(&[(
            "de",
            "Im ersten Halbjahr 2024 lag der Schwerpunkt auf den Schulen.",
        )]),
        commitments: vec![CommitmentReport {
            commitment: 8,
            status: ReportStatus::InProgress,
            narrative: LangText::new(),
            indicators: Vec::new(),
        }],
        illustrative: true,
        grounds: Vec::new(),
    }
}

/// Ids of the demo's entries, for assertions.
pub struct Demo {
    pub fair_rent: EntryId,
    pub school_v1: EntryId,
    pub school_v2: EntryId,
    pub hate_crime_app: EntryId,
    pub festival: EntryId,
    pub retracted: EntryId,
    pub retraction: EntryId,
    pub report_valmeuse: EntryId,
    pub report_lindenau: EntryId,
}

/// Admits the city `key` as `name` in `country`: the committee signs the roster's next change,
/// dated [`T0`].
fn admit_city(store: &Store, key: &SecretKey, name: &str, country: &str) {
    let change = RosterChange {
        timestamp_ms: T0,
        ..next_change(&store.roster(), admit(key.public(), name, country))
    };
    store
        .apply_roster_change(&committee_signed(change))
        .expect("the committee admits the city");
}

fn append(store: &Store, key: &SecretKey, payload: Payload, day: i64) -> EntryId {
    store
        .append_local(key, &payload, T0 + day * DAY_MS)
        .expect("the demo entry is valid")
        .id()
}

/// The demo store, filled.
pub fn demo_store(dir: &std::path::Path) -> (Store, Demo) {
    let charter = Charter::new(
        "Coalition of Cities Against Racism (test)",
        vec![committee_key().public()],
        1,
        T0,
    )
    .expect("valid charter");
    let store = Store::create(dir, &charter).expect("store created");
    admit_city(&store, &valmeuse(), "Valmeuse", "BE");
    admit_city(&store, &lindenau(), "Lindenau", "DE");
    admit_city(&store, &santa_clara(), "Santa Clara del Río", "ES");
    admit_city(&store, &marbourg(), "Marbourg", "FR");

    let fair_rent = append(&store, &valmeuse(), Payload::Practice(fair_rent()), 1);
    let school_v1 = append(
        &store,
        &lindenau(),
        Payload::Practice(school_mediators()),
        2,
    );
    let mut revised = school_mediators();
    revised.summary.insert(
        "en".into(),
        "Trained mediators handle conflicts between pupils and parents, train teachers to respond to racist incidents, and since 2024 also work in secondary schools.".into(),
    );
    revised.period.end = Some("2026-07".into());
    let school_v2 = append(
        &store,
        &lindenau(),
        Payload::PracticeRevision(PracticeRevision {
            supersedes: school_v1,
            practice: revised,
        }),
        30,
    );
    let hate_crime_app = append(
        &store,
        &santa_clara(),
        Payload::Practice(hate_crime_app()),
        3,
    );
    let festival = append(&store, &marbourg(), Payload::Practice(festival()), 4);
    let withdrawn = fill(
        practice(
            &[("en", "Withdrawn pilot: anonymous job applications")],
            &[(
                "en",
                "A pilot of anonymous job applications in city hiring, withdrawn.",
            )],
            &[6],
            "2020",
        ),
        "Marbourg",
        "FR",
    );
    let retracted = append(&store, &marbourg(), Payload::Practice(withdrawn), 5);
    let retraction = append(
        &store,
        &marbourg(),
        Payload::Retraction(Retraction {
            target: retracted,
            reason: "published twice by mistake".into(),
        }),
        6,
    );
    let report_valmeuse = append(
        &store,
        &valmeuse(),
        Payload::ActivityReport(report_valmeuse()),
        40,
    );
    let report_lindenau = append(
        &store,
        &lindenau(),
        Payload::ActivityReport(report_lindenau()),
        41,
    );
    (
        store,
        Demo {
            fair_rent,
            school_v1,
            school_v2,
            hate_crime_app,
            festival,
            retracted,
            retraction,
            report_valmeuse,
            report_lindenau,
        },
    )
}

/// A network view whose state a test sets.
pub struct FixedNetwork(pub SyncState, pub usize);

impl NetworkView for FixedNetwork {
    fn status(&self) -> NetworkStatus {
        NetworkStatus {
            peer_id: Some("12D3KooWTest".into()),
            peers: self.1,
            listen: vec!["/ip4/127.0.0.1/tcp/4001".into()],
            last_arrival_ms: Some(T0),
            sync_state: self.0,
            ..Default::default()
        }
    }
}

/// A running API server over the demo store.
pub struct Server {
    pub addr: SocketAddr,
    pub base: String,
    pub store: Arc<Store>,
    pub search: Arc<SearchIndex>,
    pub demo: Demo,
    pub gossip: mpsc::Receiver<WireEntry>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: TempDir,
}

pub struct Options {
    pub city_key: bool,
    pub token: Option<&'static str>,
    pub network: Arc<dyn NetworkView>,
    /// The registry handed to the API holds a counter of the node's (`libp2p_test_total 7`).
    pub node_metrics: bool,
    pub timeouts: coalition_api::Timeouts,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            city_key: true,
            token: Some(TOKEN),
            network: Arc::new(coalition_api::Offline),
            node_metrics: false,
            timeouts: coalition_api::Timeouts::default(),
        }
    }
}

impl Server {
    pub async fn start() -> Server {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let (store, demo) = demo_store(&dir.path().join("store"));
        let store = Arc::new(store);
        let search = Arc::new(SearchIndex::in_memory().expect("search index"));
        search
            .rebuild(&store, |_, _| {})
            .expect("search index rebuilt");
        let indexer = Arc::new(
            coalition_search::Indexer::start(store.clone(), search.clone()).expect("indexer"),
        );
        let (tx, gossip) = mpsc::channel(16);
        let state = ApiState {
            store: store.clone(),
            search: search.clone(),
            indexer: Some(indexer),
            city_key: options.city_key.then(|| Arc::new(valmeuse())),
            token: options.token.map(str::to_string),
            network: options.network,
            published: Some(tx),
        };
        // What a node registers before the API adds its own: here one libp2p-like counter.
        let mut registry = Registry::default();
        if options.node_metrics {
            let counter: Counter = Counter::default();
            counter.inc_by(7);
            registry.sub_registry_with_prefix("libp2p").register(
                "test",
                "A counter the node registered",
                counter,
            );
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (shutdown, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(coalition_api::serve_with(
            listener,
            state,
            options.timeouts,
            registry,
            async move {
                let _ = rx.await;
            },
        ));
        Server {
            addr,
            base: format!("http://{addr}"),
            store,
            search,
            demo,
            gossip,
            shutdown: Some(shutdown),
            task: Some(task),
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Signs in to the web page with `token` as a browser would; returns the `Cookie` header
    /// value of the session (`None`: refused).
    pub async fn sign_in(&self, token: &str) -> Option<String> {
        let response = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client")
            .post(self.url("/signin"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string([("token", token)]).expect("form encodes"))
            .send()
            .await
            .expect("sign-in sent");
        if response.status() != reqwest::StatusCode::SEE_OTHER {
            return None;
        }
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("coalition_session="))
            .and_then(|v| v.split(';').next())
            .map(str::to_string)
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let done = tokio::time::timeout(std::time::Duration::from_secs(10), task).await;
            assert!(done.is_ok(), "the server did not shut down within 10 s");
        }
    }
}
