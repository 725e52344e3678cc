//! Interface languages of the web page (English and French): every string the page shows that is
//! not content, and the Ten-Point-Plan commitment titles.
//!
//! The language comes from `?ui=en|fr`, else the `ui` cookie (set when `?ui=` is used), else the
//! browser's `Accept-Language`, else English.

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ui {
    En,
    Fr,
}

impl Ui {
    pub const ALL: [Ui; 2] = [Ui::En, Ui::Fr];

    pub fn code(self) -> &'static str {
        match self {
            Ui::En => "en",
            Ui::Fr => "fr",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Ui::En => "English",
            Ui::Fr => "Français",
        }
    }

    pub fn from_code(code: &str) -> Option<Ui> {
        match code.trim().to_ascii_lowercase().as_str() {
            "en" => Some(Ui::En),
            "fr" => Some(Ui::Fr),
            _ => None,
        }
    }

    /// Picks the first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Ui> {
        let mut langs: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.trim().split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        langs.sort_by(|a, b| b.0.total_cmp(&a.0));
        langs
            .into_iter()
            .find_map(|(_, tag)| Ui::from_code(tag.split('-').next().unwrap_or(tag)))
    }

    pub fn t(self) -> &'static Strings {
        match self {
            Ui::En => &EN,
            Ui::Fr => &FR,
        }
    }

    /// A commitment's title in this language.
    pub fn commitment(self, id: u8) -> &'static str {
        let index = usize::from(id.saturating_sub(1));
        match self {
            Ui::En => coalition_record::taxonomy::commitment(id)
                .map(|c| c.title)
                .unwrap_or("?"),
            Ui::Fr => COMMITMENTS_FR.get(index).copied().unwrap_or("?"),
        }
    }
}

/// French titles of the Ten-Point Plan commitments (our translation of the plan's English titles).
const COMMITMENTS_FR: [&str; 10] = [
    "Vigilance accrue contre le racisme",
    "Évaluer le racisme et la discrimination et suivre les politiques municipales",
    "Meilleur soutien aux victimes du racisme et de la discrimination",
    "Plus de participation et des habitants mieux informés",
    "La ville, promotrice active de l'égalité des chances",
    "La ville, employeur et prestataire de services garantissant l'égalité des chances",
    "Accès équitable au logement",
    "Combattre le racisme et la discrimination par l'éducation",
    "Promouvoir la diversité culturelle",
    "Crimes de haine et gestion des conflits",
];

/// The interface strings of one language.
pub struct Strings {
    pub skip_to_content: &'static str,
    pub site_tagline: &'static str,
    pub nav_search: &'static str,
    pub nav_cities: &'static str,
    pub nav_publish: &'static str,
    pub nav_label: &'static str,
    pub language_label: &'static str,
    pub search_heading: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub filters: &'static str,
    pub apply_filters: &'static str,
    pub clear_filters: &'static str,
    pub commitments: &'static str,
    pub commitment: &'static str,
    pub country: &'static str,
    pub city: &'static str,
    pub language: &'static str,
    pub year: &'static str,
    pub kind: &'static str,
    pub any: &'static str,
    pub results: &'static str,
    pub results_count: &'static str,
    pub results_count_one: &'static str,
    pub no_results: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page: &'static str,
    pub signature_verified: &'static str,
    pub signature_failed: &'static str,
    pub author_key: &'static str,
    pub entry_id: &'static str,
    pub published: &'static str,
    pub period: &'static str,
    pub partners: &'static str,
    pub links: &'static str,
    pub themes: &'static str,
    pub target_groups: &'static str,
    pub contact: &'static str,
    pub summary: &'static str,
    pub body: &'static str,
    pub rationale: &'static str,
    pub approach: &'static str,
    pub results_section: &'static str,
    pub transferability: &'static str,
    pub languages: &'static str,
    pub history: &'static str,
    pub current: &'static str,
    pub superseded: &'static str,
    pub retracted: &'static str,
    pub retracted_notice: &'static str,
    pub superseded_notice: &'static str,
    pub illustrative_notice: &'static str,
    pub published_notice: &'static str,
    pub cities_heading: &'static str,
    pub status: &'static str,
    pub practices: &'static str,
    pub reports: &'static str,
    pub updates: &'static str,
    pub last_activity: &'static str,
    pub key: &'static str,
    pub no_practices: &'static str,
    pub no_reports: &'static str,
    pub report_for: &'static str,
    pub narrative: &'static str,
    pub indicators: &'static str,
    pub publish_heading: &'static str,
    pub publish_intro: &'static str,
    pub publish_for: &'static str,
    pub publish_unavailable: &'static str,
    pub publish_loopback_only: &'static str,
    pub publish_no_key: &'static str,
    pub text_language: &'static str,
    pub title: &'static str,
    pub required: &'static str,
    pub optional: &'static str,
    pub more_sections: &'static str,
    pub period_start: &'static str,
    pub period_end: &'static str,
    pub date_hint: &'static str,
    pub list_hint: &'static str,
    pub comma_hint: &'static str,
    pub contact_name: &'static str,
    pub contact_email: &'static str,
    pub publish_button: &'static str,
    pub form_has_errors: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,
    pub error_heading: &'static str,
    pub back_to_search: &'static str,
    pub footer_node: &'static str,
    pub entries: &'static str,
    pub peers: &'static str,
    pub network: &'static str,
    pub sync_synced: &'static str,
    pub sync_syncing: &'static str,
    pub sync_degraded: &'static str,
    pub sync_offline: &'static str,
    pub state_active: &'static str,
    pub state_suspended: &'static str,
    pub state_revoked: &'static str,
    pub state_rotated: &'static str,
    pub report_status_not_started: &'static str,
    pub report_status_planned: &'static str,
    pub report_status_in_progress: &'static str,
    pub report_status_done: &'static str,
    pub kind_practice: &'static str,
    pub kind_report: &'static str,
    pub kind_update: &'static str,
}

pub static EN: Strings = Strings {
    skip_to_content: "Skip to content",
    site_tagline: "Good practices and reports of the member cities",
    nav_search: "Search",
    nav_cities: "Cities",
    nav_publish: "Publish",
    nav_label: "Main",
    language_label: "Interface language",
    search_heading: "Find good practices",
    search_label: "Search words",
    search_placeholder: "housing, hate crime reporting, schools…",
    search_button: "Search",
    filters: "Filters",
    apply_filters: "Apply filters",
    clear_filters: "Clear all",
    commitments: "Ten-Point-Plan commitments",
    commitment: "Commitment",
    country: "Country",
    city: "City",
    language: "Language",
    year: "Year",
    kind: "Kind",
    any: "Any",
    results: "Results",
    results_count: "results",
    results_count_one: "result",
    no_results: "No practice matches. Try fewer words or remove a filter.",
    previous: "Previous",
    next: "Next",
    page: "Page",
    signature_verified: "Signature verified",
    signature_failed: "Signature does NOT verify",
    author_key: "Author key",
    entry_id: "Entry id",
    published: "Published",
    period: "Period",
    partners: "Partners",
    links: "Links",
    themes: "Themes",
    target_groups: "Target groups",
    contact: "Contact",
    summary: "Summary",
    body: "Description",
    rationale: "Why it was needed",
    approach: "How it was done",
    results_section: "Results",
    transferability: "Transferability",
    languages: "Languages",
    history: "Revision history",
    current: "current",
    superseded: "superseded",
    retracted: "retracted",
    retracted_notice: "The city retracted this practice",
    superseded_notice: "This is an earlier version. The current version is",
    illustrative_notice: "Illustrative sample, not a real city's practice.",
    published_notice: "Published. The entry is stored and is being sent to the other cities.",
    cities_heading: "Member cities",
    status: "Status",
    practices: "Practices",
    reports: "Activity reports",
    updates: "Updates",
    last_activity: "Last activity",
    key: "City key",
    no_practices: "No practices yet.",
    no_reports: "No activity reports yet.",
    report_for: "Report for",
    narrative: "Narrative",
    indicators: "Indicators",
    publish_heading: "Publish a good practice",
    publish_intro: "Fields marked required must be filled in. The practice is signed with this city's key and sent to every member city.",
    publish_for: "Publishing for",
    publish_unavailable: "Publishing is not available here",
    publish_loopback_only: "The publish form only works on the node's own machine: open it at http://127.0.0.1 (or localhost) on the node's port, or publish with the command line or the JSON API and its token.",
    publish_no_key: "This node holds no city key, so it cannot publish.",
    text_language: "Language of the texts",
    title: "Title",
    required: "required",
    optional: "optional",
    more_sections: "More sections (optional)",
    period_start: "Start",
    period_end: "End",
    date_hint: "YYYY, YYYY-MM or YYYY-MM-DD",
    list_hint: "One per line",
    comma_hint: "Separated by commas",
    contact_name: "Contact name",
    contact_email: "Contact e-mail",
    publish_button: "Sign and publish",
    form_has_errors: "The practice was not published. Please correct:",
    not_found: "Not found",
    not_found_text: "There is nothing at this address on this node.",
    error_heading: "Something went wrong",
    back_to_search: "Back to search",
    footer_node: "This node",
    entries: "entries",
    peers: "peers",
    network: "network",
    sync_synced: "synced",
    sync_syncing: "syncing",
    sync_degraded: "degraded",
    sync_offline: "offline",
    state_active: "active",
    state_suspended: "suspended",
    state_revoked: "revoked",
    state_rotated: "key rotated",
    report_status_not_started: "not started",
    report_status_planned: "planned",
    report_status_in_progress: "in progress",
    report_status_done: "done",
    kind_practice: "Practice",
    kind_report: "Activity report",
    kind_update: "Update",
};

pub static FR: Strings = Strings {
    skip_to_content: "Aller au contenu",
    site_tagline: "Bonnes pratiques et rapports des villes membres",
    nav_search: "Recherche",
    nav_cities: "Villes",
    nav_publish: "Publier",
    nav_label: "Principal",
    language_label: "Langue de l'interface",
    search_heading: "Trouver des bonnes pratiques",
    search_label: "Mots recherchés",
    search_placeholder: "logement, signalement des crimes de haine, écoles…",
    search_button: "Rechercher",
    filters: "Filtres",
    apply_filters: "Appliquer les filtres",
    clear_filters: "Tout effacer",
    commitments: "Engagements du Plan d'action en dix points",
    commitment: "Engagement",
    country: "Pays",
    city: "Ville",
    language: "Langue",
    year: "Année",
    kind: "Type",
    any: "Tous",
    results: "Résultats",
    results_count: "résultats",
    results_count_one: "résultat",
    no_results: "Aucune pratique ne correspond. Essayez moins de mots ou retirez un filtre.",
    previous: "Précédent",
    next: "Suivant",
    page: "Page",
    signature_verified: "Signature vérifiée",
    signature_failed: "La signature N'EST PAS valide",
    author_key: "Clé de l'auteur",
    entry_id: "Identifiant de l'entrée",
    published: "Publié",
    period: "Période",
    partners: "Partenaires",
    links: "Liens",
    themes: "Thèmes",
    target_groups: "Publics cibles",
    contact: "Contact",
    summary: "Résumé",
    body: "Description",
    rationale: "Pourquoi c'était nécessaire",
    approach: "Comment cela a été fait",
    results_section: "Résultats",
    transferability: "Transférabilité",
    languages: "Langues",
    history: "Historique des versions",
    current: "actuelle",
    superseded: "remplacée",
    retracted: "retirée",
    retracted_notice: "La ville a retiré cette pratique",
    superseded_notice: "Ceci est une version antérieure. La version actuelle est",
    illustrative_notice: "Exemple illustratif, pas une pratique réelle.",
    published_notice: "Publié. L'entrée est enregistrée et envoyée aux autres villes.",
    cities_heading: "Villes membres",
    status: "Statut",
    practices: "Pratiques",
    reports: "Rapports d'activité",
    updates: "Actualités",
    last_activity: "Dernière activité",
    key: "Clé de la ville",
    no_practices: "Pas encore de pratiques.",
    no_reports: "Pas encore de rapports d'activité.",
    report_for: "Rapport pour",
    narrative: "Récit",
    indicators: "Indicateurs",
    publish_heading: "Publier une bonne pratique",
    publish_intro: "Les champs marqués obligatoires doivent être remplis. La pratique est signée avec la clé de cette ville et envoyée à toutes les villes membres.",
    publish_for: "Publication pour",
    publish_unavailable: "La publication n'est pas disponible ici",
    publish_loopback_only: "Le formulaire de publication ne fonctionne que sur la machine du nœud : ouvrez-le à l'adresse http://127.0.0.1 (ou localhost) sur le port du nœud, ou publiez avec la ligne de commande ou l'API JSON et son jeton.",
    publish_no_key: "Ce nœud ne détient aucune clé de ville : il ne peut pas publier.",
    text_language: "Langue des textes",
    title: "Titre",
    required: "obligatoire",
    optional: "facultatif",
    more_sections: "Autres sections (facultatives)",
    period_start: "Début",
    period_end: "Fin",
    date_hint: "AAAA, AAAA-MM ou AAAA-MM-JJ",
    list_hint: "Un par ligne",
    comma_hint: "Séparés par des virgules",
    contact_name: "Nom du contact",
    contact_email: "Courriel du contact",
    publish_button: "Signer et publier",
    form_has_errors: "La pratique n'a pas été publiée. Veuillez corriger :",
    not_found: "Introuvable",
    not_found_text: "Il n'y a rien à cette adresse sur ce nœud.",
    error_heading: "Une erreur s'est produite",
    back_to_search: "Retour à la recherche",
    footer_node: "Ce nœud",
    entries: "entrées",
    peers: "pairs",
    network: "réseau",
    sync_synced: "synchronisé",
    sync_syncing: "synchronisation en cours",
    sync_degraded: "dégradé",
    sync_offline: "hors ligne",
    state_active: "active",
    state_suspended: "suspendue",
    state_revoked: "révoquée",
    state_rotated: "clé remplacée",
    report_status_not_started: "pas commencé",
    report_status_planned: "prévu",
    report_status_in_progress: "en cours",
    report_status_done: "fait",
    kind_practice: "Pratique",
    kind_report: "Rapport d'activité",
    kind_update: "Actualité",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported() {
        assert_eq!(
            Ui::from_accept_language("de-DE,fr;q=0.8,en;q=0.5"),
            Some(Ui::Fr)
        );
        assert_eq!(Ui::from_accept_language("en-GB"), Some(Ui::En));
        assert_eq!(Ui::from_accept_language("de"), None);
    }

    #[test]
    fn every_commitment_has_a_title_in_every_language() {
        for ui in Ui::ALL {
            for id in 1..=10 {
                assert_ne!(ui.commitment(id), "?");
            }
        }
    }
}
