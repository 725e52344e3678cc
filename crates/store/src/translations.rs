//! Translations in the store (PROTOCOL.md §8.10): each translation indexed by the version it
//! translates, each endorsement by the translation it endorses; the publish rules a city's node
//! checks before signing one (the version is another city's practice, in the language named;
//! only the practice's own city endorses); and a practice's translations as a page shows them.

use crate::batch::BatchView;
use crate::error::refuse;
use crate::layout::CF_INDEX;
use crate::write::SortedWrite;
use crate::{Store, StoreError};
use coalition_record::translation::Translation;
use coalition_record::{EntryId, Hash32, Payload, PayloadKind, PublicKey};

/// In [`CF_INDEX`]: `t` ‖ version id ‖ translation id → empty.
fn translation_key(version: &EntryId, translation: &EntryId) -> [u8; 65] {
    pair_key(b't', version, translation)
}

/// In [`CF_INDEX`]: `v` ‖ translation id ‖ endorsement id → empty (`n` was a schema-1 tag).
fn endorsement_key(translation: &EntryId, endorsement: &EntryId) -> [u8; 65] {
    pair_key(b'v', translation, endorsement)
}

fn pair_key(tag: u8, first: &EntryId, second: &EntryId) -> [u8; 65] {
    let mut key = [0u8; 65];
    key[0] = tag;
    key[1..33].copy_from_slice(&first.0);
    key[33..].copy_from_slice(&second.0);
    key
}

/// A translation of a practice version, as a page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldTranslation {
    /// The translation's entry id: what an endorsement names.
    pub id: EntryId,
    /// The translating city.
    pub translator: PublicKey,
    /// The translation entry's timestamp (ms since the Unix epoch).
    pub timestamp_ms: i64,
    /// The payload: the version translated, the language and the translated texts.
    pub translation: Translation,
    /// The practice's own city endorsed it.
    pub endorsed: bool,
}

impl Store {
    /// The index records of a translation or an endorsement (part of the entry's write).
    pub(crate) fn put_translation_keys(
        &self,
        write: &mut SortedWrite,
        id: EntryId,
        payload: &Payload,
    ) {
        let key = match payload {
            Payload::Translation(t) => translation_key(&t.source, &id),
            Payload::TranslationEndorsement(e) => endorsement_key(&e.translation, &id),
            _ => return,
        };
        write.put(CF_INDEX, key, []);
    }

    /// The rules a city's node checks before signing a translation or an endorsement.
    pub(crate) fn check_translation_rules(
        &self,
        view: &BatchView<'_>,
        author: &PublicKey,
        payload: &Payload,
    ) -> Result<(), StoreError> {
        match payload {
            Payload::Translation(t) => {
                let version = match self.entry(&t.source)? {
                    Some(v) => v,
                    None => {
                        return refuse(
                            "translation.source",
                            "unknown_version",
                            format!(
                                "no practice version {} on this node: sync first, or check the id",
                                t.source
                            ),
                        )
                    }
                };
                let Some(practice) = version.payload().and_then(Payload::practice) else {
                    return refuse(
                        "translation.source",
                        "not_a_practice",
                        format!("{} is not a practice or a revision of one", t.source),
                    );
                };
                if version.entry.header.author == *author {
                    return refuse(
                        "translation.source",
                        "own_practice",
                        format!("{} is this city's own practice: add the language with a revision (`coalition revise`)", t.source),
                    );
                }
                t.check_against(practice)?;
                Ok(())
            }
            Payload::TranslationEndorsement(e) => {
                let translation = match view.author_and_kind(&e.translation)? {
                    Some((_, kind)) if kind == PayloadKind::Translation.code() => {
                        self.entry(&e.translation)?
                    }
                    _ => None,
                };
                let Some(Payload::Translation(t)) =
                    translation.and_then(crate::StoredEntry::into_payload)
                else {
                    return refuse(
                        "endorsement.translation",
                        "unknown_translation",
                        format!("no translation {} on this node", e.translation),
                    );
                };
                let source_author = self.entry(&t.source)?.map(|v| v.entry.header.author);
                if source_author != Some(*author) {
                    return refuse(
                        "endorsement.translation",
                        "not_author_city",
                        "only the city whose practice was translated endorses its translation"
                            .to_string(),
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Translations of these practice versions, oldest first. An endorsement counts when the
    /// city that signed it is the translated version's author (checked here, on read: a peer's
    /// node does not check it on arrival, the version may arrive later).
    pub fn translations_of(
        &self,
        versions: &[EntryId],
    ) -> Result<Vec<(EntryId, HeldTranslation)>, StoreError> {
        let mut out = Vec::new();
        for version in versions {
            let ids = self.ids_under(b't', version)?;
            if ids.is_empty() {
                continue;
            }
            let version_author = self.entry(version)?.map(|v| v.entry.header.author);
            for id in ids {
                let Some(held) = self.entry(&id)? else {
                    continue;
                };
                if held.status.retracted_by.is_some() {
                    continue;
                }
                let header = held.entry.header.clone();
                let Some(Payload::Translation(t)) = held.into_payload() else {
                    continue;
                };
                let mut endorsed = false;
                for e in self.ids_under(b'v', &id)? {
                    let by = self.entry(&e)?.map(|x| x.entry.header.author);
                    endorsed |= by.is_some() && by == version_author;
                }
                out.push((
                    *version,
                    HeldTranslation {
                        id,
                        translator: header.author,
                        timestamp_ms: header.timestamp_ms,
                        translation: t,
                        endorsed,
                    },
                ));
            }
        }
        out.sort_by_key(|(_, t)| (t.timestamp_ms, t.id));
        Ok(out)
    }

    /// The versions of the practice version `id` with payload `payload`: it, then what it
    /// superseded, back to the first (at most 64). Reads only the earlier versions.
    pub fn practice_versions(
        &self,
        id: &EntryId,
        payload: Option<&Payload>,
    ) -> Result<Vec<EntryId>, StoreError> {
        let mut out = vec![*id];
        let mut next = match payload {
            Some(Payload::PracticeRevision(r)) => Some(r.supersedes),
            _ => None,
        };
        while let Some(at) = next.filter(|at| out.len() < 64 && !out.contains(at)) {
            out.push(at);
            next = match self.entry(&at)?.and_then(crate::StoredEntry::into_payload) {
                Some(Payload::PracticeRevision(r)) => Some(r.supersedes),
                _ => None,
            };
        }
        Ok(out)
    }

    /// The second ids of the index records `tag` ‖ `first` ‖ second.
    fn ids_under(&self, tag: u8, first: &EntryId) -> Result<Vec<EntryId>, StoreError> {
        let db = self.db()?;
        let mut prefix = Vec::with_capacity(33);
        prefix.push(tag);
        prefix.extend_from_slice(&first.0);
        let mut out = Vec::new();
        for item in db.prefix_iterator_cf(db.cf(CF_INDEX)?, &prefix) {
            let (key, _) = item?;
            if !key.starts_with(&prefix) {
                break;
            }
            if let Ok(id) = <[u8; 32]>::try_from(&key[33..]) {
                out.push(Hash32(id));
            }
        }
        Ok(out)
    }
}
