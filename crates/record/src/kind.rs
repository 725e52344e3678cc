//! Payload kind codes (PROTOCOL.md §8): the `kind` an entry header carries, known or not.

use serde::{Deserialize, Serialize};

/// The kind code of [`TestNote`](crate::payload::TestNote): in the range reserved for tests.
#[cfg(feature = "future-kind")]
pub const TEST_NOTE_KIND: u16 = 0xF000;

/// The payload kind code carried in the entry header (PROTOCOL.md §8): the variant index + 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PayloadKind {
    /// `practice`, code 1.
    Practice,
    /// `practice_revision`, code 2.
    PracticeRevision,
    /// `update`, code 3.
    ActivityUpdate,
    /// `report`, code 4.
    ActivityReport,
    /// `retraction`, code 5.
    Retraction,
    /// `erasure`, code 6.
    Erasure,
    /// `adoption`, code 7.
    PracticeAdoption,
    /// `question`, code 8.
    Question,
    /// `answer`, code 9.
    Answer,
    /// `reporting_cycle`, code 10.
    ReportingCycle,
    /// `report_feedback`, code 11.
    ReportFeedback,
    /// `erasure_receipt`, code 12.
    ErasureReceipt,
    /// `erasure_order`, code 13.
    ErasureOrder,
    /// `translation`, code 14.
    Translation,
    /// `translation_endorsement`, code 15.
    TranslationEndorsement,
    /// `test_note`, code [`TEST_NOTE_KIND`] (0xF000): only with the `future-kind` feature.
    #[cfg(feature = "future-kind")]
    TestNote,
    /// A kind code this node does not know (made by a newer version).
    Unknown(u16),
}

impl PayloadKind {
    /// Every kind this release knows (not the test-only one), in code order.
    pub const ALL: [PayloadKind; 15] = [
        PayloadKind::Practice,
        PayloadKind::PracticeRevision,
        PayloadKind::ActivityUpdate,
        PayloadKind::ActivityReport,
        PayloadKind::Retraction,
        PayloadKind::Erasure,
        PayloadKind::PracticeAdoption,
        PayloadKind::Question,
        PayloadKind::Answer,
        PayloadKind::ReportingCycle,
        PayloadKind::ReportFeedback,
        PayloadKind::ErasureReceipt,
        PayloadKind::ErasureOrder,
        PayloadKind::Translation,
        PayloadKind::TranslationEndorsement,
    ];

    /// The kind code: the header's `kind`, the payload's variant index + 1.
    pub fn code(self) -> u16 {
        match self {
            PayloadKind::Practice => 1,
            PayloadKind::PracticeRevision => 2,
            PayloadKind::ActivityUpdate => 3,
            PayloadKind::ActivityReport => 4,
            PayloadKind::Retraction => 5,
            PayloadKind::Erasure => 6,
            PayloadKind::PracticeAdoption => 7,
            PayloadKind::Question => 8,
            PayloadKind::Answer => 9,
            PayloadKind::ReportingCycle => 10,
            PayloadKind::ReportFeedback => 11,
            PayloadKind::ErasureReceipt => 12,
            PayloadKind::ErasureOrder => 13,
            PayloadKind::Translation => 14,
            PayloadKind::TranslationEndorsement => 15,
            #[cfg(feature = "future-kind")]
            PayloadKind::TestNote => TEST_NOTE_KIND,
            PayloadKind::Unknown(code) => code,
        }
    }

    /// The kind of a code this node knows; `None` for codes of newer versions.
    pub fn from_code(code: u16) -> Option<Self> {
        #[cfg(feature = "future-kind")]
        if code == TEST_NOTE_KIND {
            return Some(PayloadKind::TestNote);
        }
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind of any code: a known kind, or [`PayloadKind::Unknown`].
    pub fn of_code(code: u16) -> Self {
        Self::from_code(code).unwrap_or(PayloadKind::Unknown(code))
    }

    /// The kind's name, as in PROTOCOL.md §8's table (`practice`, `update`…); `newer_kind` for
    /// an unknown code.
    pub fn name(self) -> &'static str {
        match self {
            PayloadKind::Practice => "practice",
            PayloadKind::PracticeRevision => "practice_revision",
            PayloadKind::ActivityUpdate => "update",
            PayloadKind::ActivityReport => "report",
            PayloadKind::Retraction => "retraction",
            PayloadKind::Erasure => "erasure",
            PayloadKind::PracticeAdoption => "adoption",
            PayloadKind::Question => "question",
            PayloadKind::Answer => "answer",
            PayloadKind::ReportingCycle => "reporting_cycle",
            PayloadKind::ReportFeedback => "report_feedback",
            PayloadKind::ErasureReceipt => "erasure_receipt",
            PayloadKind::ErasureOrder => "erasure_order",
            PayloadKind::Translation => "translation",
            PayloadKind::TranslationEndorsement => "translation_endorsement",
            #[cfg(feature = "future-kind")]
            PayloadKind::TestNote => "test_note",
            PayloadKind::Unknown(_) => "newer_kind",
        }
    }

    /// The kind of a name (case and surrounding spaces ignored; `revision` also names
    /// `practice_revision`); `None` for a name not known.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|k| {
            k.name() == name || (name == "revision" && *k == PayloadKind::PracticeRevision)
        })
    }
}
