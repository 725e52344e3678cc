//! A store write being built: its puts and deletes, kept as they come and handed to RocksDB in
//! one `WriteBatch` sorted by column family and key.
//!
//! RocksDB inserts a batch into each column family's memtable (a skiplist) in the batch's order,
//! starting each search from where the last insert ended. An ingest batch interleaves many
//! cities and random entry ids, so in arrival order nearly every insert searched the skiplist
//! from the top: memtable inserts were about a third of the writer's time (issue #14's
//! profile). Sorted, each insert starts next to the last; the writer's CPU per entry fell by
//! about a sixth (docs/PERFORMANCE.md, ninth session). The sort is stable, so two operations on
//! one key keep their order: a batch's result is exactly what writing its operations in arrival
//! order gives.

use crate::{Db, StoreError};
use rocksdb::WriteBatch;

/// Bytes held inline up to this length (keys and small records); longer ones on the heap.
const INLINE: usize = 48;

/// A key or value: short ones inline, so building a write allocates nothing for them.
pub(crate) enum Bytes {
    Inline { len: u8, data: [u8; INLINE] },
    Heap(Vec<u8>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Inline { len, data } => &data[..usize::from(*len)],
            Bytes::Heap(bytes) => bytes,
        }
    }
}

impl From<&[u8]> for Bytes {
    fn from(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE {
            let mut data = [0u8; INLINE];
            data[..bytes.len()].copy_from_slice(bytes);
            // At most INLINE (48), so it fits a u8.
            Bytes::Inline {
                len: bytes.len() as u8,
                data,
            }
        } else {
            Bytes::Heap(bytes.to_vec())
        }
    }
}

impl From<Vec<u8>> for Bytes {
    /// Moved, not copied (a log record is a few KiB).
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::Heap(bytes)
    }
}

impl From<&Vec<u8>> for Bytes {
    fn from(bytes: &Vec<u8>) -> Self {
        Bytes::from(bytes.as_slice())
    }
}

impl<const N: usize> From<[u8; N]> for Bytes {
    fn from(bytes: [u8; N]) -> Self {
        Bytes::from(&bytes[..])
    }
}

impl<const N: usize> From<&[u8; N]> for Bytes {
    fn from(bytes: &[u8; N]) -> Self {
        Bytes::from(&bytes[..])
    }
}

/// One put (a value) or delete (none).
struct Op {
    cf: &'static str,
    key: Bytes,
    value: Option<Bytes>,
}

/// The operations of one durable write, in the order they were made.
#[derive(Default)]
pub(crate) struct SortedWrite {
    ops: Vec<Op>,
}

impl SortedWrite {
    /// Room for `ops` operations.
    pub(crate) fn with_capacity(ops: usize) -> Self {
        SortedWrite {
            ops: Vec::with_capacity(ops),
        }
    }

    pub(crate) fn put(&mut self, cf: &'static str, key: impl Into<Bytes>, value: impl Into<Bytes>) {
        self.ops.push(Op {
            cf,
            key: key.into(),
            value: Some(value.into()),
        });
    }

    pub(crate) fn delete(&mut self, cf: &'static str, key: impl Into<Bytes>) {
        self.ops.push(Op {
            cf,
            key: key.into(),
            value: None,
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The `WriteBatch` of these operations, sorted by column family and key (stable: the
    /// operations on one key keep their order).
    pub(crate) fn into_batch(mut self, db: &Db) -> Result<WriteBatch, StoreError> {
        self.ops
            .sort_by(|a, b| (a.cf, a.key.as_slice()).cmp(&(b.cf, b.key.as_slice())));
        // Per operation: RocksDB's tag, column family id and two length prefixes.
        const FRAMING: usize = 16;
        let bytes = self
            .ops
            .iter()
            .map(|op| {
                FRAMING
                    + op.key.as_slice().len()
                    + op.value.as_ref().map_or(0, |v| v.as_slice().len())
            })
            .sum();
        let mut batch = WriteBatch::with_capacity_bytes(bytes);
        let mut handle: Option<(&str, &rocksdb::ColumnFamily)> = None;
        for op in &self.ops {
            let cf = match handle {
                Some((name, cf)) if name == op.cf => cf,
                _ => {
                    let cf = db.cf(op.cf)?;
                    handle = Some((op.cf, cf));
                    cf
                }
            };
            match &op.value {
                Some(value) => batch.put_cf(cf, op.key.as_slice(), value.as_slice()),
                None => batch.delete_cf(cf, op.key.as_slice()),
            }
        }
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocksdb::{ColumnFamilyDescriptor, Options, DB};
    use std::sync::Arc;

    fn open(dir: &std::path::Path) -> Db {
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        let cfs = ["a", "b"].map(|n| ColumnFamilyDescriptor::new(n, Options::default()));
        Db(Arc::new(
            DB::open_cf_descriptors(&opts, dir, cfs).expect("open"),
        ))
    }

    #[test]
    fn operations_on_one_key_keep_their_order_and_the_batch_is_sorted() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = open(dir.path());
        let mut write = SortedWrite::default();
        write.put("b", *b"zz", *b"1");
        write.put("a", *b"k", *b"first");
        write.delete("a", *b"k");
        write.put("a", *b"k", vec![7u8; 100]);
        write.put("a", *b"gone", *b"x");
        write.put("b", *b"aa", *b"2");
        write.delete("a", *b"gone");
        let batch = write.into_batch(&db).expect("batch");

        struct Seen(Vec<(u32, Vec<u8>, Option<Vec<u8>>)>);
        impl rocksdb::WriteBatchIteratorCf for Seen {
            fn put_cf(&mut self, cf: u32, key: &[u8], value: &[u8]) {
                self.0.push((cf, key.to_vec(), Some(value.to_vec())));
            }
            fn delete_cf(&mut self, cf: u32, key: &[u8]) {
                self.0.push((cf, key.to_vec(), None));
            }
            fn merge_cf(&mut self, _: u32, _: &[u8], _: &[u8]) {}
        }
        let mut seen = Seen(Vec::new());
        batch.iterate_cf(&mut seen);
        let keys: Vec<&[u8]> = seen.0.iter().map(|(_, k, _)| k.as_slice()).collect();
        assert_eq!(
            keys,
            [&b"gone"[..], b"gone", b"k", b"k", b"k", b"aa", b"zz"],
            "sorted by family and key, one key's operations in their order"
        );

        db.write(batch).expect("write");
        let a = db.cf("a").expect("cf a");
        let b = db.cf("b").expect("cf b");
        assert_eq!(db.get_cf(a, b"k").expect("get"), Some(vec![7u8; 100]));
        assert_eq!(db.get_cf(a, b"gone").expect("get"), None);
        assert_eq!(db.get_cf(b, b"aa").expect("get"), Some(b"2".to_vec()));
        assert_eq!(db.get_cf(b, b"zz").expect("get"), Some(b"1".to_vec()));
    }

    #[test]
    fn short_bytes_are_inline_and_long_ones_on_the_heap() {
        assert!(matches!(Bytes::from([1u8; INLINE]), Bytes::Inline { .. }));
        let long = Bytes::from([1u8; INLINE + 1]);
        assert!(matches!(long, Bytes::Heap(_)));
        assert_eq!(long.as_slice(), &[1u8; INLINE + 1][..]);
        assert_eq!(Bytes::from(&[][..]).as_slice(), &[] as &[u8]);
    }
}
