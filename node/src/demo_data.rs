//! Illustrative sample data for `coalition demo`: fictional cities with realistic practices,
//! updates and reports. Every record is marked `illustrative = true`.

use coalition_record::payload::{
    ActivityReport, ActivityUpdate, CommitmentReport, Indicator, LangText, Period, Practice,
    ReportStatus, UpdateCategory,
};
use coalition_record::Payload;

pub(crate) struct DemoCity {
    pub name: &'static str,
    pub country: &'static str,
    pub lang: &'static str,
}

pub(crate) const CITIES: [DemoCity; 10] = [
    DemoCity {
        name: "Valmeuse",
        country: "BE",
        lang: "fr",
    },
    DemoCity {
        name: "Lindenfeld",
        country: "DE",
        lang: "de",
    },
    DemoCity {
        name: "Puerto Claro",
        country: "ES",
        lang: "es",
    },
    DemoCity {
        name: "Borgo Sereno",
        country: "IT",
        lang: "it",
    },
    DemoCity {
        name: "Saint-Aubrac",
        country: "FR",
        lang: "fr",
    },
    DemoCity {
        name: "Nieuwdorp",
        country: "NL",
        lang: "nl",
    },
    DemoCity {
        name: "Sjöstad",
        country: "SE",
        lang: "sv",
    },
    DemoCity {
        name: "Vila Nova do Rio",
        country: "PT",
        lang: "pt",
    },
    DemoCity {
        name: "Havnby",
        country: "DK",
        lang: "en",
    },
    DemoCity {
        name: "Kastelburg",
        country: "AT",
        lang: "de",
    },
];

/// (commitments, themes, start, English title, English summary, local title, local summary)
type PracticeText = (
    &'static [u8],
    &'static [&'static str],
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const PRACTICES: [PracticeText; 10] = [
    (&[3, 7], &["housing", "discrimination testing"], "2022-03",
     "Fair Rent: paired testing of rental agencies",
     "Twice a year the city commissions paired tests of rental agencies; agencies that discriminate are warned and trained, and tenants who report a refusal get free legal support.",
     "Louer sans discriminer : tests de situation dans le logement",
     "Deux fois par an, la ville commande des tests de situation auprès des agences immobilières ; les agences qui discriminent sont averties et formées, et les locataires qui signalent un refus de logement reçoivent une aide juridique gratuite."),
    (&[8, 9], &["education", "schools", "history"], "2021-09",
     "Many Roots: local migration history in every secondary school",
     "Teachers and the city archive built a course on the city's migration history; pupils interview older residents and exhibit the stories in the town hall.",
     "Viele Wurzeln: Migrationsgeschichte der Stadt in jeder Schule",
     "Lehrkräfte und das Stadtarchiv haben eine Unterrichtsreihe zur Migrationsgeschichte der Stadt entwickelt; Schülerinnen und Schüler befragen ältere Menschen und stellen die Geschichten im Rathaus aus."),
    (&[6], &["employment", "recruitment", "public service"], "2023-01",
     "Anonymous applications for all municipal jobs",
     "All municipal vacancies are filled through anonymised applications; the share of staff with a migrant background among new hires rose from 11 % to 19 % in two years.",
     "Candidaturas anónimas en todo el empleo municipal",
     "Todas las vacantes municipales se cubren con candidaturas anonimizadas; la proporción de personas de origen migrante entre las nuevas contrataciones pasó del 11 % al 19 % en dos años."),
    (&[1, 10], &["hate crime", "reporting", "police"], "2020-05",
     "One number for reporting hate incidents",
     "A free phone line and web form in eight languages collect reports of hate incidents; trained staff follow up each case and publish a yearly map of incidents.",
     "Un numero unico per segnalare gli episodi d'odio",
     "Una linea telefonica gratuita e un modulo online in otto lingue raccolgono le segnalazioni di episodi d'odio; personale formato segue ogni caso e pubblica ogni anno una mappa degli episodi."),
    (&[4], &["participation", "neighbourhoods"], "2024-02",
     "Neighbourhood rights cafés",
     "Monthly cafés in community centres where residents learn their rights and remedies against discrimination, with lawyers and interpreters on hand.",
     "Cafés des droits dans les quartiers",
     "Chaque mois, dans les maisons de quartier, des cafés où les habitants découvrent leurs droits et les recours contre les discriminations, avec des juristes et des interprètes."),
    (&[5], &["procurement", "local economy"], "2022-06",
     "Equality clauses in public procurement",
     "Contracts above 50,000 euros require suppliers to have an equal-treatment policy; compliance is checked during the contract and reported to the council.",
     "Gelijkebehandelingsclausules bij aanbestedingen",
     "Bij opdrachten boven 50.000 euro moeten leveranciers een beleid voor gelijke behandeling hebben; de naleving wordt tijdens het contract gecontroleerd en aan de gemeenteraad gerapporteerd."),
    (&[2], &["monitoring", "data", "indicators"], "2023-04",
     "A discrimination barometer for the city",
     "A yearly survey and administrative data feed twelve indicators of discrimination in housing, work, schools and services, published with the council's targets.",
     "En diskrimineringsbarometer för staden",
     "En årlig enkät och administrativa data ger tolv indikatorer för diskriminering i boende, arbete, skola och service, som publiceras tillsammans med kommunens mål."),
    (&[3], &["victim support", "legal aid"], "2021-01",
     "Victim support desk in the town hall",
     "A desk in the town hall helps people who faced discrimination to document their case, mediate, or bring it to the equality body; 400 cases a year.",
     "Balcão de apoio às vítimas na câmara municipal",
     "Um balcão na câmara municipal ajuda quem sofreu discriminação a documentar o caso, a procurar mediação ou a levá-lo ao organismo para a igualdade; 400 casos por ano."),
    (&[4, 9], &["culture", "festival", "public space"], "2019-08",
     "Harbour festival of the city's cultures",
     "Each August the harbour hosts a festival programmed with 40 community associations, with a fund that pays artists from under-represented groups.",
     "Harbour festival of the city's cultures",
     "Each August the harbour hosts a festival programmed with 40 community associations, with a fund that pays artists from under-represented groups."),
    (&[6, 8], &["training", "staff", "bias"], "2024-09",
     "Anti-bias training for frontline staff",
     "All 1,200 frontline staff in social services, libraries and the citizens' office take a day of anti-bias training, followed by peer coaching.",
     "Anti-Bias-Schulung für Mitarbeitende mit Publikumsverkehr",
     "Alle 1.200 Mitarbeitenden in Sozialdiensten, Bibliotheken und Bürgerbüro absolvieren einen Tag Anti-Bias-Schulung, gefolgt von kollegialer Beratung."),
];

pub(crate) fn text(pairs: &[(&str, &str)]) -> LangText {
    pairs
        .iter()
        .filter(|(_, t)| !t.is_empty())
        .map(|(l, t)| (l.to_string(), t.to_string()))
        .collect()
}

/// Practices for city `i` of `n`: practice k goes to city k % n, written in that city's language
/// and in English.
pub(crate) fn practices_for(i: usize, n: usize) -> Vec<Practice> {
    let city = &CITIES[i];
    PRACTICES
        .iter()
        .enumerate()
        .filter(|(k, _)| k % n == i)
        .map(|(k, (commitments, themes, start, en_t, en_s, lo_t, lo_s))| {
            // Each text is in the city's language; the source texts come in the language they
            // were written for, so a city of another language keeps the English only.
            let source_lang = CITIES[k % CITIES.len()].lang;
            let local = if source_lang == city.lang && city.lang != "en" {
                vec![("en", *en_t), (city.lang, *lo_t)]
            } else {
                vec![("en", *en_t)]
            };
            let summary_local = if source_lang == city.lang && city.lang != "en" {
                vec![("en", *en_s), (city.lang, *lo_s)]
            } else {
                vec![("en", *en_s)]
            };
            Practice {
                title: text(&local),
                summary: text(&summary_local),
                body: Default::default(),
                rationale: text(&[("en", "Residents and the city's own monitoring showed the problem clearly; the council made it a priority of its action plan.")]),
                approach: text(&[("en", "Designed with community associations and the equality body, piloted in one district, then extended city-wide.")]),
                results: text(&[("en", "Measured yearly against the indicators of the city's action plan; see the activity reports.")]),
                transferability: text(&[("en", "Needs a coordinator, a small budget and partners among local associations; the templates are shared on request.")]),
                commitments: commitments.to_vec(),
                themes: themes.iter().map(|t| t.to_string()).collect(),
                target_groups: vec!["residents exposed to racism and discrimination".into()],
                partners: vec!["local community associations".into(), "regional equality body".into()],
                city: city.name.into(),
                country: city.country.into(),
                period: Period { start: start.to_string(), end: None },
                links: vec![],
                contact: None,
                illustrative: true,
                grounds: demo_grounds(k),
                partner_types: vec!["civil_society".into(), "equality_body".into()],
            }
        })
        .collect()
}

/// Grounds of discrimination for demo practice `k`: racial or ethnic origin always, and for
/// many practices one or two more (multiple discrimination), sorted as signed.
fn demo_grounds(k: usize) -> Vec<String> {
    let mut grounds = vec!["racial_or_ethnic_origin"];
    if k.is_multiple_of(3) {
        grounds.push("religion_or_belief");
    }
    if k % 4 == 1 {
        grounds.push("gender");
    }
    if k % 5 == 2 {
        grounds.push("nationality");
    }
    let mut grounds: Vec<String> = grounds.into_iter().map(str::to_string).collect();
    grounds.sort();
    grounds
}

pub(crate) fn report_for(i: usize) -> ActivityReport {
    let city = &CITIES[i];
    let statuses = [
        ReportStatus::Done,
        ReportStatus::InProgress,
        ReportStatus::Planned,
    ];
    ActivityReport {
        cycle: None,
        city: city.name.into(),
        country: city.country.into(),
        period: "2025".into(),
        narrative: text(&[(
            "en",
            "Annual report on the Ten-Point Plan of Action (illustrative).",
        )]),
        commitments: (1..=10u8)
            .filter(|c| !(*c as usize + i).is_multiple_of(3))
            .map(|c| CommitmentReport {
                commitment: c,
                status: statuses[(c as usize + i) % 3],
                narrative: text(&[("en", "Progress as planned in the city's action plan.")]),
                indicators: vec![Indicator {
                    name: "people reached".into(),
                    value: (100 * (c as usize + i)) as f64,
                    unit: "people".into(),
                }],
            })
            .collect(),
        illustrative: true,
        grounds: Vec::new(),
    }
}

pub(crate) fn update_for(i: usize) -> ActivityUpdate {
    let city = &CITIES[i];
    ActivityUpdate {
        date: "2026-03-21".into(),
        category: UpdateCategory::Event,
        title: text(&[(
            "en",
            &format!(
                "{}: events for the International Day for the Elimination of Racial Discrimination",
                city.name
            ),
        )]),
        text: text(&[(
            "en",
            "Exhibitions, school debates and a public reading in the town hall on 21 March.",
        )]),
        commitments: vec![1, 9],
        links: vec![],
        illustrative: true,
        grounds: Vec::new(),
    }
}

/// The demo's exchange between cities, after the practices: cities 2 and 3 take up city 1's
/// first practice (one adapted), city 2 asks city 1 a question about it, and city 1 answers;
/// cities 3 and 2 translate it into two languages it lacks, and city 1 endorses the first
/// translation. Each step needs the id of an entry published before it, so they come one at a
/// time.
pub(crate) struct Exchange {
    enabled: bool,
    practice: Option<coalition_record::EntryId>,
    /// The languages of that practice's title.
    languages: Vec<String>,
    question: Option<coalition_record::EntryId>,
    translation: Option<coalition_record::EntryId>,
    step: usize,
}

const EXCHANGE_STEPS: usize = 7;

/// A translation of the demo practice into `lang` (one of these two), from English.
fn demo_translation(source: coalition_record::EntryId, lang: &str) -> Payload {
    let (title, summary) = match lang {
        "es" => (
            "Alquilar sin discriminar: pruebas de discriminación en la vivienda de alquiler",
            "Pruebas por parejas en agencias y anuncios de alquiler, y apoyo a los inquilinos afectados (traducción ilustrativa).",
        ),
        "it" => (
            "Affittare senza discriminare: test di discriminazione negli affitti",
            "Test in coppia presso agenzie e annunci di affitto, con sostegno agli inquilini colpiti (traduzione illustrativa).",
        ),
        "sv" => (
            "Hyra utan diskriminering: diskrimineringstester på hyresmarknaden",
            "Parvisa tester hos uthyrare och annonser, med stöd till de drabbade hyresgästerna (illustrativ översättning).",
        ),
        _ => (
            "Alugar sem discriminar: testes de discriminação no arrendamento",
            "Testes em pares junto de agências e anúncios, com apoio aos inquilinos afetados (tradução ilustrativa).",
        ),
    };
    Payload::Translation(coalition_record::translation::Translation {
        source,
        from_lang: "en".into(),
        lang: lang.into(),
        title: title.into(),
        summary: summary.into(),
        body: String::new(),
        rationale: String::new(),
        approach: String::new(),
        results: String::new(),
        transferability: String::new(),
    })
}

impl Exchange {
    pub(crate) fn new(cities: usize) -> Self {
        Exchange {
            enabled: cities >= 3,
            practice: None,
            languages: Vec::new(),
            question: None,
            translation: None,
            step: 0,
        }
    }

    /// Entries the exchange will publish.
    pub(crate) fn entries(&self) -> u64 {
        if self.enabled {
            EXCHANGE_STEPS as u64
        } else {
            0
        }
    }

    pub(crate) fn done(&self) -> bool {
        !self.enabled || self.step >= EXCHANGE_STEPS
    }

    /// Notes what was published: city 1's first practice, and the question.
    pub(crate) fn published(
        &mut self,
        city: usize,
        payload: &Payload,
        id: coalition_record::EntryId,
    ) {
        match payload {
            Payload::Practice(p) if city == 0 && self.practice.is_none() => {
                self.practice = Some(id);
                self.languages = p.title.keys().cloned().collect();
            }
            Payload::Question(_) => self.question = Some(id),
            Payload::Translation(_) if self.translation.is_none() => self.translation = Some(id),
            _ => {}
        }
    }

    /// The next (city index, payload), once what it refers to is published.
    pub(crate) fn next(&mut self) -> Option<(usize, Payload)> {
        if self.done() {
            return None;
        }
        let source = self.practice?;
        let step = self.step;
        let item = match step {
            0 | 1 => (
                step + 1,
                Payload::PracticeAdoption(coalition_record::PracticeAdoption {
                    source,
                    adapted: step == 0,
                    changes: if step == 0 {
                        text(&[("en", "Run with the tenants' association; results published every six months.")])
                    } else {
                        Default::default()
                    },
                    period: Period {
                        start: "2025-09".into(),
                        end: None,
                    },
                    results: text(&[("en", "First wave under way (illustrative).")]),
                    illustrative: true,
                }),
            ),
            2 => (
                1,
                Payload::Question(coalition_record::Question {
                    about: source,
                    text: text(&[("en", "How did you recruit and train the people who ran it?")]),
                    illustrative: true,
                }),
            ),
            3 => (
                0,
                Payload::Answer(coalition_record::Answer {
                    question: self.question?,
                    text: text(&[("en", "Through the university's social science students, paid and trained over two days (illustrative).")]),
                    illustrative: true,
                }),
            ),
            4 | 5 => {
                // Two languages the practice is not written in.
                let missing: Vec<&str> = ["es", "it", "sv", "pt"]
                    .into_iter()
                    .filter(|l| !self.languages.iter().any(|have| have.starts_with(l)))
                    .collect();
                let lang = missing.get(step - 4).copied().unwrap_or("pt");
                (if step == 4 { 2 } else { 1 }, demo_translation(source, lang))
            }
            _ => (
                0,
                Payload::TranslationEndorsement(
                    coalition_record::translation::TranslationEndorsement {
                        translation: self.translation?,
                    },
                ),
            ),
        };
        self.step += 1;
        Some(item)
    }
}
