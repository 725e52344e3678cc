//! Size limits. Checked before anything is decoded, so oversized input costs only its length.

/// Largest encoded entry header plus signature.
pub const MAX_ENTRY_BYTES: usize = 512;
/// Largest encoded payload. Gossip's `max_transmit_size` is set to at least twice the largest
/// wire entry (see docs/PROTOCOL.md), because gossipsub compares whole read buffers to it.
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;
/// Largest wire entry: entry, salt, payload and framing.
pub const MAX_WIRE_ENTRY_BYTES: usize = MAX_ENTRY_BYTES + MAX_PAYLOAD_BYTES + 64;
/// Largest single text value in one language (a body, a rationale…).
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Largest short field: a title, a name, a theme, a link.
pub const MAX_SHORT_TEXT_BYTES: usize = 1024;
/// Most languages a text may carry.
pub const MAX_LANGUAGES: usize = 32;
/// Most items in a list field (themes, partners, links…).
pub const MAX_LIST_ITEMS: usize = 64;
/// Largest encoded roster change with its signatures.
pub const MAX_ROSTER_CHANGE_BYTES: usize = 8 * 1024;
/// Most committee keys a charter may name.
pub const MAX_COMMITTEE: usize = 64;
