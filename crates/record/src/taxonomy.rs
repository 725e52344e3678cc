//! The Ten-Point Plan of Action of the European Coalition of Cities Against Racism: the commitments
//! every practice and report is tagged with. Kept in step with `docs/ten-point-plan.toml` by a test.

/// One commitment of the Ten-Point Plan.
pub struct Commitment {
    /// Its number, 1 to 10: what payloads carry.
    pub id: u8,
    /// Its title in the plan's own English.
    pub title: &'static str,
}

/// The ten commitments, in order (`COMMITMENTS[i].id == i + 1`).
pub const COMMITMENTS: [Commitment; 10] = [
    Commitment {
        id: 1,
        title: "Greater Vigilance Against Racism",
    },
    Commitment {
        id: 2,
        title: "Assessing Racism and Discrimination and Monitoring Municipal Policies",
    },
    Commitment {
        id: 3,
        title: "Better Support for the Victims of Racism and Discrimination",
    },
    Commitment {
        id: 4,
        title: "More Participation and Better Informed City Dwellers",
    },
    Commitment {
        id: 5,
        title: "The City as an Active Supporter of Equal Opportunity Practices",
    },
    Commitment {
        id: 6,
        title: "The City as an Equal Opportunities Employer and Service Provider",
    },
    Commitment {
        id: 7,
        title: "Fair Access to Housing",
    },
    Commitment {
        id: 8,
        title: "Challenging Racism and Discrimination through Education",
    },
    Commitment {
        id: 9,
        title: "Promoting Cultural Diversity",
    },
    Commitment {
        id: 10,
        title: "Hate Crimes and Conflict Management",
    },
];

/// The commitment numbered `id`; `None` outside 1 to 10.
pub fn commitment(id: u8) -> Option<&'static Commitment> {
    COMMITMENTS.iter().find(|c| c.id == id)
}

/// A coded value of a list in `docs/` (grounds of discrimination, partner types): its code as
/// signed, and its label in each interface language. Kept in step with the file by a test.
pub struct Term {
    /// The code payloads carry: 1 to 64 bytes of `a`–`z` and `_`.
    pub code: &'static str,
    /// `(language, label)` for en, fr, de, es, it, nl, sv, pt.
    pub labels: [(&'static str, &'static str); 8],
}

impl Term {
    /// The label in `lang` (its primary subtag), else English.
    pub fn label(&self, lang: &str) -> &'static str {
        let primary = lang.split('-').next().unwrap_or(lang);
        self.labels
            .iter()
            .find(|(l, _)| *l == primary)
            .or_else(|| self.labels.first())
            .map_or(self.code, |(_, label)| label)
    }
}

/// A ground of discrimination a practice addresses (the Toulouse declaration's "multiple
/// discrimination"), from `docs/grounds.toml`.
pub type Ground = Term;

/// Most grounds on one payload.
pub const MAX_GROUNDS: usize = 16;

/// The grounds of `docs/grounds.toml`, in its order.
pub const GROUNDS: [Ground; 9] = [
    Term {
        code: "racial_or_ethnic_origin",
        labels: [
            ("en", "Racial or ethnic origin"),
            ("fr", "Origine raciale ou ethnique"),
            ("de", "Ethnische Herkunft und rassistische Zuschreibung"),
            ("es", "Origen racial o étnico"),
            ("it", "Origine razziale o etnica"),
            ("nl", "Ras of etnische afkomst"),
            ("sv", "Etnisk tillhörighet"),
            ("pt", "Origem racial ou étnica"),
        ],
    },
    Term {
        code: "religion_or_belief",
        labels: [
            ("en", "Religion or belief"),
            ("fr", "Religion ou conviction"),
            ("de", "Religion oder Weltanschauung"),
            ("es", "Religión o convicciones"),
            ("it", "Religione o convinzioni personali"),
            ("nl", "Godsdienst of levensovertuiging"),
            ("sv", "Religion eller annan trosuppfattning"),
            ("pt", "Religião ou crença"),
        ],
    },
    Term {
        code: "gender",
        labels: [
            ("en", "Gender"),
            ("fr", "Genre"),
            ("de", "Geschlecht"),
            ("es", "Género"),
            ("it", "Genere"),
            ("nl", "Gender"),
            ("sv", "Kön"),
            ("pt", "Género"),
        ],
    },
    Term {
        code: "disability",
        labels: [
            ("en", "Disability"),
            ("fr", "Handicap"),
            ("de", "Behinderung"),
            ("es", "Discapacidad"),
            ("it", "Disabilità"),
            ("nl", "Handicap"),
            ("sv", "Funktionsnedsättning"),
            ("pt", "Deficiência"),
        ],
    },
    Term {
        code: "sexual_orientation",
        labels: [
            ("en", "Sexual orientation"),
            ("fr", "Orientation sexuelle"),
            ("de", "Sexuelle Orientierung"),
            ("es", "Orientación sexual"),
            ("it", "Orientamento sessuale"),
            ("nl", "Seksuele gerichtheid"),
            ("sv", "Sexuell läggning"),
            ("pt", "Orientação sexual"),
        ],
    },
    Term {
        code: "age",
        labels: [
            ("en", "Age"),
            ("fr", "Âge"),
            ("de", "Alter"),
            ("es", "Edad"),
            ("it", "Età"),
            ("nl", "Leeftijd"),
            ("sv", "Ålder"),
            ("pt", "Idade"),
        ],
    },
    Term {
        code: "nationality",
        labels: [
            ("en", "Nationality"),
            ("fr", "Nationalité"),
            ("de", "Staatsangehörigkeit"),
            ("es", "Nacionalidad"),
            ("it", "Nazionalità"),
            ("nl", "Nationaliteit"),
            ("sv", "Nationalitet"),
            ("pt", "Nacionalidade"),
        ],
    },
    Term {
        code: "language",
        labels: [
            ("en", "Language"),
            ("fr", "Langue"),
            ("de", "Sprache"),
            ("es", "Lengua"),
            ("it", "Lingua"),
            ("nl", "Taal"),
            ("sv", "Språk"),
            ("pt", "Língua"),
        ],
    },
    Term {
        code: "social_origin",
        labels: [
            ("en", "Social origin"),
            ("fr", "Origine sociale"),
            ("de", "Soziale Herkunft"),
            ("es", "Origen social"),
            ("it", "Origine sociale"),
            ("nl", "Sociale afkomst"),
            ("sv", "Social härkomst"),
            ("pt", "Origem social"),
        ],
    },
];

/// The ground of `code`; `None` for a code not listed (perhaps one of a newer release).
pub fn ground(code: &str) -> Option<&'static Ground> {
    GROUNDS.iter().find(|g| g.code == code)
}

/// The kind of organisation a practice's partner is, from `docs/partner-types.toml`.
pub const PARTNER_TYPES: [Term; 6] = [
    Term {
        code: "civil_society",
        labels: [
            ("en", "Civil society"),
            ("fr", "Société civile"),
            ("de", "Zivilgesellschaft"),
            ("es", "Sociedad civil"),
            ("it", "Società civile"),
            ("nl", "Maatschappelijk middenveld"),
            ("sv", "Civilsamhället"),
            ("pt", "Sociedade civil"),
        ],
    },
    Term {
        code: "private_sector",
        labels: [
            ("en", "Private sector"),
            ("fr", "Secteur privé"),
            ("de", "Privatwirtschaft"),
            ("es", "Sector privado"),
            ("it", "Settore privato"),
            ("nl", "Private sector"),
            ("sv", "Näringslivet"),
            ("pt", "Setor privado"),
        ],
    },
    Term {
        code: "public_body",
        labels: [
            ("en", "Public body"),
            ("fr", "Organisme public"),
            ("de", "Öffentliche Stelle"),
            ("es", "Organismo público"),
            ("it", "Ente pubblico"),
            ("nl", "Overheidsinstantie"),
            ("sv", "Offentlig myndighet"),
            ("pt", "Organismo público"),
        ],
    },
    Term {
        code: "equality_body",
        labels: [
            ("en", "Equality body"),
            ("fr", "Organisme pour l'égalité"),
            ("de", "Gleichbehandlungsstelle"),
            ("es", "Organismo de igualdad"),
            ("it", "Organismo per la parità"),
            ("nl", "Gelijkebehandelingsorgaan"),
            ("sv", "Jämlikhetsorgan"),
            ("pt", "Organismo para a igualdade"),
        ],
    },
    Term {
        code: "academia",
        labels: [
            ("en", "Academia"),
            ("fr", "Monde universitaire"),
            ("de", "Wissenschaft"),
            ("es", "Mundo académico"),
            ("it", "Mondo accademico"),
            ("nl", "Wetenschap"),
            ("sv", "Akademin"),
            ("pt", "Meio académico"),
        ],
    },
    Term {
        code: "international_organisation",
        labels: [
            ("en", "International organisation"),
            ("fr", "Organisation internationale"),
            ("de", "Internationale Organisation"),
            ("es", "Organización internacional"),
            ("it", "Organizzazione internazionale"),
            ("nl", "Internationale organisatie"),
            ("sv", "Internationell organisation"),
            ("pt", "Organização internacional"),
        ],
    },
];

/// The partner type of `code`; `None` for a code not listed (perhaps one of a newer release).
pub fn partner_type(code: &str) -> Option<&'static Term> {
    PARTNER_TYPES.iter().find(|t| t.code == code)
}

/// The label of a ground code in `lang`; a code of a newer release shows as itself.
pub fn ground_label<'a>(code: &'a str, lang: &str) -> &'a str {
    ground(code).map_or(code, |g| g.label(lang))
}

/// The label of a partner type code in `lang`; a code of a newer release shows as itself.
pub fn partner_type_label<'a>(code: &'a str, lang: &str) -> &'a str {
    partner_type(code).map_or(code, |t| t.label(lang))
}

/// Each partner with its type in `lang`, when one is given: "Tenants' Union (Civil society)".
pub fn partners_with_types(partners: &[String], types: &[String], lang: &str) -> Vec<String> {
    partners
        .iter()
        .enumerate()
        .map(|(i, name)| match types.get(i).filter(|c| !c.is_empty()) {
            Some(code) => format!("{name} ({})", partner_type_label(code, lang)),
            None => name.clone(),
        })
        .collect()
}

/// Checks that `code` is on `list` (a file of `docs/`): the error names the file and the codes.
pub fn check_listed(code: &str, list: &[Term], file: &str) -> Result<(), String> {
    if list.iter().any(|t| t.code == code) {
        return Ok(());
    }
    let known: Vec<&str> = list.iter().map(|t| t.code).collect();
    Err(format!(
        "'{code}' is not listed in {file}; use one of: {}",
        known.join(", ")
    ))
}
