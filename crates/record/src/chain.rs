//! The chain rule as a pure function: where does an entry stand against what a node holds of its
//! author's log?

use crate::entry::{EntryHeader, EntryId};
use crate::error::RecordError;

/// Where an entry stands against its author's log as a node holds it (PROTOCOL.md §5, "Chain
/// position"); a malformed chain is an error instead, see [`chain_position`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainPosition {
    /// The next entry: seq is the frontier + 1 and prev names the frontier.
    Next,
    /// Already held: same seq, same id.
    Duplicate,
    /// Another entry is held at this seq: if this one's signature verifies, the pair proves
    /// the author equivocated.
    Fork {
        /// The id of the entry already held at this seq.
        existing: EntryId,
    },
    /// Entries between the frontier and this one are missing: hold it and sync.
    Gap {
        /// The highest seq held of the author's log (0 when none).
        have: u64,
    },
}

/// `frontier` is the highest seq held for the author and its id; `stored_at_seq` the id held at
/// this entry's seq, if any.
pub fn chain_position(
    frontier: Option<(u64, EntryId)>,
    stored_at_seq: Option<EntryId>,
    header: &EntryHeader,
    id: EntryId,
) -> Result<ChainPosition, RecordError> {
    if header.seq == 0 {
        return Err(RecordError::ZeroSeq);
    }
    if (header.seq == 1) != header.prev.is_none() {
        return Err(RecordError::PrevShape { seq: header.seq });
    }
    match stored_at_seq {
        Some(existing) if existing == id => return Ok(ChainPosition::Duplicate),
        Some(existing) => return Ok(ChainPosition::Fork { existing }),
        None => {}
    }
    let (have, head) = match frontier {
        Some((seq, head)) => (seq, Some(head)),
        None => (0, None),
    };
    if header.seq > have + 1 {
        return Ok(ChainPosition::Gap { have });
    }
    if header.seq <= have {
        // Logs are contiguous, so a seq at or below the frontier is always held; reaching here
        // means the caller passed inconsistent state.
        return Err(RecordError::Inconsistent {
            seq: header.seq,
            have,
        });
    }
    match (header.prev, head) {
        (None, None) => Ok(ChainPosition::Next),
        (Some(claimed), Some(stored)) if claimed == stored => Ok(ChainPosition::Next),
        (Some(claimed), Some(stored)) => Err(RecordError::PrevMismatch {
            seq: header.seq,
            claimed,
            stored,
        }),
        _ => Err(RecordError::PrevShape { seq: header.seq }),
    }
}
