//! The demo's reporting cycles (issue #18): two past cycles (one with its deadline extended by an
//! amendment) and one open, decided by two of the three demo committee keys and carried in the
//! first city's log; every city answers on time, late or not at all, with back-dated filing times
//! so that the follow-up has something to show; one piece of committee feedback.

use crate::demo_data::{text, CITIES};
use coalition_record::calendar::{date_of_ms, day_start_ms, DAY_MS};
use coalition_record::cycle::{CycleCommitment, CycleDecision, IndicatorSpec, ReportFeedback};
use coalition_record::payload::{ActivityReport, CommitmentReport, Indicator, ReportStatus};
use coalition_record::{EntryId, Hash32, Payload, SecretKey, SignedCycleDecision};

/// What the demo publishes for the cycles, in order, and the feedback once its report is in.
pub(crate) struct CycleDemo {
    items: Vec<(usize, Payload, i64)>,
    next: usize,
    /// The report the committee gives feedback on: (city, period), and its entry once published.
    feedback_target: (usize, String),
    feedback_report: Option<EntryId>,
    feedback_key: SecretKey,
    feedback_done: bool,
}

fn decision(
    network_id: Hash32,
    period: &str,
    opens: &str,
    deadline: &str,
    amends: Option<Hash32>,
    decided_ms: i64,
    committee: &[SecretKey],
) -> SignedCycleDecision {
    let mut signed = SignedCycleDecision::unsigned(CycleDecision {
        network_id,
        period: period.into(),
        title: text(&[
            ("en", &format!("Ten-Point Plan report {period}")),
            ("fr", &format!("Rapport sur le plan en dix points {period}")),
        ]),
        opens: opens.into(),
        deadline: deadline.into(),
        commitments: vec![
            CycleCommitment {
                commitment: 3,
                questions: text(&[(
                    "en",
                    "How can victims of discrimination reach the city, and what happened to their complaints?",
                )]),
                narrative_required: true,
                indicators: vec![
                    IndicatorSpec {
                        name: "complaints received".into(),
                        unit: "complaints".into(),
                        required: true,
                    },
                    IndicatorSpec {
                        name: "complaints resolved".into(),
                        unit: "complaints".into(),
                        required: false,
                    },
                ],
            },
            CycleCommitment {
                commitment: 7,
                questions: text(&[(
                    "en",
                    "What did the city do against discrimination in housing?",
                )]),
                narrative_required: false,
                indicators: vec![IndicatorSpec {
                    name: "households advised".into(),
                    unit: "households".into(),
                    required: true,
                }],
            },
        ],
        reviewers: Vec::new(),
        amends,
        decided_ms,
    });
    signed.sign_with(&committee[0]);
    signed.sign_with(&committee[1]);
    signed
}

fn report(i: usize, period: &str, cycle: Hash32, year_index: usize) -> Payload {
    // Figures that grow over the years and differ between cities, so the charts show something.
    let base = 20 + 7 * i + 9 * year_index;
    Payload::ActivityReport(ActivityReport {
        city: CITIES[i].name.into(),
        country: CITIES[i].country.into(),
        period: period.into(),
        narrative: text(&[("en", "Report for the committee's cycle (illustrative).")]),
        commitments: vec![
            CommitmentReport {
                commitment: 3,
                status: ReportStatus::InProgress,
                narrative: text(&[(
                    "en",
                    "A counselling office takes complaints in person, by phone and online; each is answered within a month.",
                )]),
                indicators: vec![
                    Indicator {
                        name: "complaints received".into(),
                        value: base as f64,
                        unit: "complaints".into(),
                    },
                    Indicator {
                        name: "complaints resolved".into(),
                        value: (base * 2 / 3) as f64,
                        unit: "complaints".into(),
                    },
                ],
            },
            CommitmentReport {
                commitment: 7,
                status: if year_index == 0 {
                    ReportStatus::Planned
                } else {
                    ReportStatus::InProgress
                },
                narrative: Default::default(),
                indicators: vec![Indicator {
                    name: "households advised".into(),
                    value: (3 * base) as f64,
                    unit: "households".into(),
                }],
            },
        ],
        illustrative: true,
        grounds: Vec::new(),
        cycle: Some(cycle),
    })
}

impl CycleDemo {
    /// Cycles relative to `now_ms`: the year before last (deadline 31 March last year), the first
    /// half of last year (deadline 30 September, extended to 31 October), and this year's, open,
    /// with its deadline 45 days from now.
    pub(crate) fn new(
        cities: usize,
        network_id: Hash32,
        committee: &[SecretKey],
        now_ms: i64,
    ) -> Self {
        let year: i64 = date_of_ms(now_ms)[..4].parse().unwrap_or(2026);
        let day = |text: String| day_start_ms(&text).unwrap_or(now_ms);
        let (y1, y2) = (year - 2, year - 1);
        let first = decision(
            network_id,
            &y1.to_string(),
            &format!("{y2}-01-01"),
            &format!("{y2}-03-31"),
            None,
            day(format!("{y1}-12-01")),
            committee,
        );
        let half = format!("{y2}-H1");
        let second = decision(
            network_id,
            &half,
            &format!("{y2}-07-01"),
            &format!("{y2}-09-30"),
            None,
            day(format!("{y2}-06-15")),
            committee,
        );
        let extended = decision(
            network_id,
            &half,
            &format!("{y2}-07-01"),
            &format!("{y2}-10-31"),
            Some(second.id()),
            day(format!("{y2}-09-20")),
            committee,
        );
        let open_deadline = date_of_ms(now_ms + 45 * DAY_MS);
        let third = decision(
            network_id,
            &year.to_string(),
            &date_of_ms(now_ms - 30 * DAY_MS),
            &open_deadline,
            None,
            now_ms - 40 * DAY_MS,
            committee,
        );
        let mut items = vec![
            (
                0,
                Payload::ReportingCycle(first.clone()),
                day(format!("{y1}-12-01")),
            ),
            (
                0,
                Payload::ReportingCycle(second.clone()),
                day(format!("{y2}-06-15")),
            ),
            (
                0,
                Payload::ReportingCycle(extended),
                day(format!("{y2}-09-20")),
            ),
            (
                0,
                Payload::ReportingCycle(third.clone()),
                now_ms - 40 * DAY_MS,
            ),
        ];
        let hour = 3_600_000;
        for i in 0..cities {
            // The year before last: on time, 12 days late, or missing.
            let deadline_end = day(format!("{y2}-04-01"));
            match i % 3 {
                0 => items.push((
                    i,
                    report(i, &y1.to_string(), first.id(), 0),
                    deadline_end - 10 * DAY_MS,
                )),
                1 => items.push((
                    i,
                    report(i, &y1.to_string(), first.id(), 0),
                    deadline_end + 11 * DAY_MS + hour,
                )),
                _ => {}
            }
            // Last year's first half: on time; on time only thanks to the extension; late; missing.
            let original_end = day(format!("{y2}-10-01"));
            let extended_end = day(format!("{y2}-11-01"));
            match i % 4 {
                0 => items.push((
                    i,
                    report(i, &half, second.id(), 1),
                    original_end - 20 * DAY_MS,
                )),
                1 => items.push((
                    i,
                    report(i, &half, second.id(), 1),
                    original_end + 10 * DAY_MS,
                )),
                2 => items.push((
                    i,
                    report(i, &half, second.id(), 1),
                    extended_end + 4 * DAY_MS + hour,
                )),
                _ => {}
            }
            // This year's, open: half the cities have filed.
            if i % 2 == 0 {
                items.push((
                    i,
                    report(i, &year.to_string(), third.id(), 2),
                    now_ms - 2 * DAY_MS - (i as i64) * hour,
                ));
            }
        }
        CycleDemo {
            items,
            next: 0,
            feedback_target: (1, y1.to_string()),
            feedback_report: None,
            feedback_key: committee[2].clone(),
            feedback_done: cities < 2,
        }
    }

    /// Entries this will publish.
    pub(crate) fn entries(&self) -> u64 {
        self.items.len() as u64 + u64::from(!self.feedback_done)
    }

    pub(crate) fn done(&self) -> bool {
        self.next >= self.items.len() && self.feedback_done
    }

    /// Notes the report the committee's feedback is on.
    pub(crate) fn published(&mut self, city: usize, payload: &Payload, id: EntryId) {
        if let Payload::ActivityReport(r) = payload {
            if (city, r.period.as_str())
                == (self.feedback_target.0, self.feedback_target.1.as_str())
                && r.cycle.is_some()
            {
                self.feedback_report = Some(id);
            }
        }
    }

    /// The next (city index, payload, signed time).
    pub(crate) fn next(&mut self, now_ms: i64) -> Option<(usize, Payload, i64)> {
        if let Some(item) = self.items.get(self.next) {
            self.next += 1;
            return Some(item.clone());
        }
        if self.feedback_done {
            return None;
        }
        let report = self.feedback_report?;
        self.feedback_done = true;
        let feedback = ReportFeedback::sign(
            &self.feedback_key,
            report,
            text(&[(
                "en",
                "Thank you for the report. It came 12 days after the deadline; next time please also give the number of complaints resolved per ground of discrimination.",
            )]),
        );
        Some((0, Payload::ReportFeedback(feedback), now_ms))
    }
}
