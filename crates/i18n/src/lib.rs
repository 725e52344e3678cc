//! Interface languages of the web page and the audit: every string they show that is not content, the
//! Ten-Point-Plan commitment titles and dates, in English, French, German, Spanish, Italian, Dutch,
//! Swedish and Portuguese (the project's own translations, one file per language).
//!
//! The language comes from `?ui=`, else the `ui` cookie (set when `?ui=` is used), else the
//! browser's `Accept-Language`, else English. A language's table is a [`Strings`] value: a string
//! missing in any language does not compile, and the tests refuse empty ones.

#![warn(missing_docs, unreachable_pub)]

mod de;
mod en;
mod es;
mod fr;
mod it;
mod nl;
mod pt;
mod sv;

/// An interface language: the language of the web page's and the audit's own words (content
/// keeps the languages it was written in).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ui {
    /// English (`en`).
    En,
    /// French (`fr`).
    Fr,
    /// German (`de`).
    De,
    /// Spanish (`es`).
    Es,
    /// Italian (`it`).
    It,
    /// Dutch (`nl`).
    Nl,
    /// Swedish (`sv`).
    Sv,
    /// Portuguese (`pt`).
    Pt,
}

impl Ui {
    /// Every interface language, in the order the language switch lists them; English first.
    pub const ALL: [Ui; 8] = [
        Ui::En,
        Ui::Fr,
        Ui::De,
        Ui::Es,
        Ui::It,
        Ui::Nl,
        Ui::Sv,
        Ui::Pt,
    ];

    /// The language's ISO 639-1 code, as `?ui=` and the `ui` cookie carry it.
    pub fn code(self) -> &'static str {
        match self {
            Ui::En => "en",
            Ui::Fr => "fr",
            Ui::De => "de",
            Ui::Es => "es",
            Ui::It => "it",
            Ui::Nl => "nl",
            Ui::Sv => "sv",
            Ui::Pt => "pt",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Ui::En => "English",
            Ui::Fr => "Français",
            Ui::De => "Deutsch",
            Ui::Es => "Español",
            Ui::It => "Italiano",
            Ui::Nl => "Nederlands",
            Ui::Sv => "Svenska",
            Ui::Pt => "Português",
        }
    }

    /// The language of a code such as `fr` (surrounding spaces and case ignored); `None` for a
    /// code that is not one of the eight. A region (`fr-BE`) is not stripped here.
    pub fn from_code(code: &str) -> Option<Ui> {
        let code = code.trim().to_ascii_lowercase();
        Ui::ALL.into_iter().find(|ui| ui.code() == code)
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
            .filter(|(q, _)| *q > 0.0)
            .collect();
        // A stable sort keeps the header's order among equal weights.
        langs.sort_by(|a, b| b.0.total_cmp(&a.0));
        langs
            .into_iter()
            .find_map(|(_, tag)| Ui::from_code(tag.split('-').next().unwrap_or(tag)))
    }

    /// This language's table of interface strings.
    pub fn t(self) -> &'static Strings {
        match self {
            Ui::En => &en::STRINGS,
            Ui::Fr => &fr::STRINGS,
            Ui::De => &de::STRINGS,
            Ui::Es => &es::STRINGS,
            Ui::It => &it::STRINGS,
            Ui::Nl => &nl::STRINGS,
            Ui::Sv => &sv::STRINGS,
            Ui::Pt => &pt::STRINGS,
        }
    }

    /// A commitment's title in this language.
    pub fn commitment(self, id: u8) -> &'static str {
        let titles = match self {
            Ui::En => {
                return coalition_record::taxonomy::commitment(id)
                    .map(|c| c.title)
                    .unwrap_or("?")
            }
            Ui::Fr => &fr::COMMITMENTS,
            Ui::De => &de::COMMITMENTS,
            Ui::Es => &es::COMMITMENTS,
            Ui::It => &it::COMMITMENTS,
            Ui::Nl => &nl::COMMITMENTS,
            Ui::Sv => &sv::COMMITMENTS,
            Ui::Pt => &pt::COMMITMENTS,
        };
        usize::from(id)
            .checked_sub(1)
            .and_then(|i| titles.get(i))
            .copied()
            .unwrap_or("?")
    }

    /// A date as this language writes it: `2025-03-21` → "21 March 2025", "21 mars 2025",
    /// "21. März 2025"…; `2025-03` → "March 2025"; a year stays as it is. Anything that is not
    /// such a date is returned unchanged.
    pub fn date(self, iso: &str) -> String {
        let parts: Vec<&str> = iso.split('-').collect();
        let number = |s: &str| s.parse::<u32>().ok();
        let month_name = |m: u32| {
            self.t()
                .months
                .split(',')
                .nth(m.wrapping_sub(1) as usize)
                .map(str::trim)
        };
        match parts.as_slice() {
            [year, month] if year.len() == 4 && month.len() == 2 => {
                match (number(year), number(month).and_then(month_name)) {
                    (Some(_), Some(name)) => self
                        .t()
                        .month_pattern
                        .replace("{m}", name)
                        .replace("{y}", year),
                    _ => iso.to_string(),
                }
            }
            [year, month, day] if year.len() == 4 && month.len() == 2 && day.len() == 2 => {
                match (
                    number(year),
                    number(month).and_then(month_name),
                    number(day),
                ) {
                    (Some(_), Some(name), Some(day)) => self
                        .t()
                        .date_pattern
                        .replace("{d}", &day.to_string())
                        .replace("{m}", name)
                        .replace("{y}", year),
                    _ => iso.to_string(),
                }
            }
            _ => iso.to_string(),
        }
    }

    /// A validation rule's message (as the record crate words it, in English) in this language,
    /// for the publish form's field errors. Messages of a shape not known here stay as they are.
    pub fn field_error(self, rule: &str) -> String {
        let t = self.t();
        // The first quoted value of the message: the text the person typed.
        let quoted = || rule.split('\'').nth(1).unwrap_or_default();
        let numbers: Vec<&str> = rule
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .collect();
        if rule.starts_with("required") {
            t.fe_required.to_string()
        } else if rule.contains("bytes is over the limit of") && numbers.len() >= 2 {
            fill(t.fe_too_long, &[("n", numbers[0]), ("limit", numbers[1])])
        } else if rule.ends_with("write YYYY-MM-DD, YYYY-MM or YYYY") {
            fill(t.fe_date, &[("value", quoted())])
        } else if let Some(end) = rule
            .strip_suffix(" is before the start")
            .or_else(|| rule.split_once(" is before the start ").map(|(end, _)| end))
        {
            fill(t.fe_end_before_start, &[("value", end)])
        } else if rule.ends_with("is not an http(s) link") {
            fill(t.fe_link, &[("value", quoted())])
        } else if rule.contains("is not a BCP 47 language tag") {
            fill(t.fe_language, &[("value", quoted())])
        } else if rule.contains("Ten-Point-Plan commitment") {
            t.fe_commitment.to_string()
        } else if rule.ends_with("is not an e-mail address") {
            fill(t.fe_email, &[("value", quoted())])
        } else {
            rule.to_string()
        }
    }

    /// A whole number with this language's digit grouping: 12345 → "12,345", "12 345",
    /// "12.345".
    pub fn number(self, n: u64) -> String {
        let digits = n.to_string();
        let separator = self.t().thousands_separator;
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(c);
        }
        out
    }
}

impl Strings {
    /// A city's roster status (`active`, `suspended`, `revoked`, `rotated`) in this language; a
    /// status of a newer release shows as its code.
    pub fn city_status<'a>(&self, code: &'a str) -> &'a str {
        match code {
            "active" => self.state_active,
            "suspended" => self.state_suspended,
            "revoked" => self.state_revoked,
            "rotated" => self.state_rotated,
            other => other,
        }
    }

    /// A report's status of a commitment (`not_started`, `planned`, `in_progress`, `done`) in
    /// this language; a status of a newer release shows as its code.
    pub fn report_status<'a>(&self, code: &'a str) -> &'a str {
        match code {
            "not_started" => self.report_status_not_started,
            "planned" => self.report_status_planned,
            "in_progress" => self.report_status_in_progress,
            "done" => self.report_status_done,
            other => other,
        }
    }
}

/// Fills the `{name}` placeholders of an interface string in one pass, so a value that itself
/// holds braces (a city's name, a reason) is never filled again. A placeholder without a value
/// stays as written.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    for piece in fill_pieces(template, values) {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Value(value) => out.push_str(value),
        }
    }
    out
}

/// One piece of a filled template: the template's own text, or the value of a placeholder.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece<'a, V> {
    /// Text of the template itself (an unknown `{…}` included).
    Text(&'a str),
    /// The value given for a `{name}` placeholder.
    Value(&'a V),
}

/// The pieces [`fill`] joins, for values that are not plain text (markup the web page and the
/// audit splice into a translated sentence, escaping the template's own text).
pub fn fill_pieces<'a, V>(template: &'a str, values: &'a [(&str, V)]) -> Vec<Piece<'a, V>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        pieces.push(Piece::Text(&rest[..open]));
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            values
                .iter()
                .find(|(name, _)| *name == &after[..close])
                .map(|(_, value)| (close, value))
        });
        match value {
            Some((close, value)) => {
                pieces.push(Piece::Value(value));
                rest = &after[close + 1..];
            }
            None => {
                pieces.push(Piece::Text("{"));
                rest = after;
            }
        }
    }
    pieces.push(Piece::Text(rest));
    pieces
}

macro_rules! strings {
    ($($field:ident),* $(,)?) => {
        /// The interface strings of one language: one static table per language (`Ui::t`).
        ///
        /// Each field is one string, named by where it is used: `nav_`, `search_`, `publish_`,
        /// `signin_`, `erase_` for those parts of the web page; `rc_` for reporting cycles, `tr_`
        /// for translations, `lv_` for the language-versions form, `fe_` for the publish form's
        /// field errors (see [`Ui::field_error`]), `state_` and `report_status_` for status labels
        /// ([`Strings::city_status`], [`Strings::report_status`]), `au_` for the audit. A `{name}`
        /// in a string is a placeholder that [`fill`] replaces. `months` (twelve names, comma
        /// separated), `month_pattern`, `date_pattern` and `thousands_separator` are used by
        /// [`Ui::date`] and [`Ui::number`].
        // One doc comment per field would only repeat its name; the names and the English table
        // (en.rs) say what each string is.
        #[allow(missing_docs)]
        pub struct Strings {
            $(pub $field: &'static str,)*
        }

        #[cfg(test)]
        impl Strings {
            /// Every string with its field name, for the completeness tests.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($field), self.$field),)*]
            }
        }
    };
}

strings! {
    skip_to_content,
    site_tagline,
    nav_search,
    nav_cities,
    nav_publish,
    nav_label,
    language_label,
    search_heading,
    search_label,
    search_placeholder,
    search_button,
    filters,
    apply_filters,
    clear_filters,
    commitments,
    commitment,
    country,
    city,
    language,
    year,
    kind,
    any,
    results,
    results_count,
    results_count_one,
    no_results,
    previous,
    next,
    page,
    signature_verified,
    signature_failed,
    author_key,
    entry_id,
    published,
    period,
    partners,
    links,
    themes,
    grounds,
    partner_types,
    taken_up,
    adapted,
    as_is,
    questions_heading,
    not_answered,
    exchange_nav,
    reporting_nav,
    rc_heading,
    rc_none,
    rc_to_file,
    rc_period,
    rc_cycle,
    rc_deadline,
    rc_on_time,
    rc_late,
    rc_missing,
    rc_due,
    rc_extended_from,
    rc_followup,
    rc_audit_link,
    rc_numbers,
    rc_indicators_csv,
    rc_timeliness_csv,
    rc_opens,
    rc_amended,
    rc_overall,
    rc_commitment,
    rc_status,
    rc_narrative,
    rc_required,
    rc_save_draft,
    rc_publish,
    rc_draft_note,
    rc_cities,
    rc_city,
    rc_state,
    rc_late_by,
    rc_late_by_one,
    rc_due_in,
    rc_due_in_one,
    rc_missing_now,
    rc_not_here,
    rc_sign_in,
    rc_saved,
    rc_published,
    rc_not_published,
    rc_feedback,
    rc_signed_by,
    rc_choose_status,
    rc_not_a_number,
    tr_heading,
    tr_by,
    tr_endorsed,
    tr_older,
    erase_heading,
    erase_help,
    erase_reason,
    erase_button,
    exchange_heading,
    exchange_caption,
    no_exchange,
    took_up,
    others_took_up,
    exchange_forms_heading,
    question_label,
    question_button,
    changes_label,
    adoption_button,
    answer_label,
    answer_button,
    target_groups,
    contact,
    summary,
    body,
    rationale,
    approach,
    results_section,
    transferability,
    languages,
    history,
    current,
    superseded,
    retracted,
    retracted_notice,
    superseded_notice,
    illustrative_notice,
    published_notice,
    cities_heading,
    status,
    practices,
    reports,
    updates,
    newer_entries,
    last_activity,
    key,
    no_practices,
    no_reports,
    report_for,
    narrative,
    indicators,
    publish_heading,
    publish_intro,
    publish_for,
    publish_unavailable,
    publish_loopback_only,
    publish_no_key,
    text_language,
    title,
    required,
    optional,
    more_sections,
    period_start,
    period_end,
    date_hint,
    list_hint,
    comma_hint,
    contact_name,
    contact_email,
    publish_button,
    form_has_errors,
    not_found,
    not_found_text,
    error_heading,
    back_to_search,
    footer_node,
    entries,
    peers,
    network,
    sync_synced,
    sync_syncing,
    sync_degraded,
    sync_offline,
    state_active,
    state_suspended,
    state_revoked,
    state_rotated,
    report_status_not_started,
    report_status_planned,
    report_status_in_progress,
    report_status_done,
    kind_practice,
    kind_report,
    kind_update,
    relaxed_notice,
    matched_in,
    related_practices,
    sign_out,
    signin_heading,
    signin_intro,
    signin_label,
    signin_button,
    signin_wrong,
    signin_no_token,
    signin_not_local,
    signin_stale,
    months,
    month_pattern,
    date_pattern,
    thousands_separator,
    au_title,
    au_network_id,
    au_roster_version,
    au_generated,
    au_counts,
    au_compliance,
    au_compliance_detail,
    au_percent,
    au_none,
    au_not_applicable,
    au_filed,
    au_list_filed,
    au_list_missing,
    au_with_problems,
    au_unattributed,
    au_per_commitment,
    au_chart_title,
    au_multiple,
    au_entry,
    au_entries,
    au_from,
    au_to,
    au_yes,
    au_no,
    au_last_seq,
    au_last_hash,
    au_verified,
    au_not_verified,
    au_report_for,
    au_problem,
    au_gap,
    au_fork,
    au_proof_verified,
    au_proof_fails,
    au_retraction,
    au_report_line,
    au_signature,
    au_signer,
    au_domain,
    au_commitments_list,
    au_cycle_id,
    au_filed_on,
    au_feedback,
    au_not_answering,
    au_indicators,
    au_indicator_caption,
    au_erasures,
    au_erased_entry,
    au_by,
    au_date,
    au_reason,
    au_confirmed_by,
    au_not_confirmed,
    au_not_held,
    au_none_yet,
    au_committee_order,
    lv_heading,
    lv_help,
    lv_edit,
    lv_add,
    lv_button,
    lv_required,
    lv_unchanged,
    fe_required,
    fe_too_long,
    fe_date,
    fe_end_before_start,
    fe_link,
    fe_language,
    fe_commitment,
    fe_email,
}

#[cfg(test)]
mod tests;
