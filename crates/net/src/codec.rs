//! The sync request-response protocol, `/coalition/sync/2` and `/coalition/sync/1`: messages and
//! a length-prefixed postcard codec. A frame is a 4-byte big-endian length and that many bytes of
//! postcard; a length over the limit is refused before anything is allocated.
//!
//! The two versions differ in the request only. A `/coalition/sync/2` request names the authors
//! it asks about (an [`AuthorRange`]) and states the requester's heads in that range only; a
//! `/coalition/sync/1` request asks about every author. Both are served by this node; a request
//! goes out as version 2 when the peer offers it (multistream-select picks the first protocol
//! both sides list), else as version 1 with every head, so a ranged request sent to a node that
//! predates version 2 is answered for every author.
//!
//! An answer is either a batch (a frame holding a [`SyncResponse`], unchanged since the protocol
//! began) or a refusal: a zero-length frame, which no `SyncResponse` encodes to (it takes at least
//! 3 bytes), followed by a 4-byte big-endian retry time in milliseconds. A node that predates
//! refusals fails to decode one and treats it as a failed request. A retry time of `0xffffffff`
//! means "never": the request named another coalition, and the responder's network id follows
//! (32 bytes). A node that predates that refusal reads it as a very long retry time.
//!
//! Requests decode exactly: trailing bytes or a non-canonical encoding are refused.

use coalition_record::sync::{AuthorRange, Frontier};
use coalition_record::{NetworkId, SignedRosterChange, WireEntry};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use serde::{Deserialize, Serialize};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The first sync protocol: every request asks about every author (docs/PROTOCOL.md §14.3).
pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/coalition/sync/1");
/// The sync protocol with an author range in the request (docs/PROTOCOL.md §14.3).
pub const SYNC_PROTOCOL_V2: StreamProtocol = StreamProtocol::new("/coalition/sync/2");

/// "Here is what I hold; send what I lack." Its serde form is the `/coalition/sync/1` request
/// (`authors` is not part of it: decoded as every author); `/coalition/sync/2` adds the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    /// The coalition asked about; a responder of another coalition answers
    /// [`SyncAnswer::WrongNetwork`].
    pub network_id: NetworkId,
    /// The requester's roster version and the head of every author it holds.
    pub frontier: Frontier,
    /// The authors asked about; [`AuthorRange::ALL`] in a `/coalition/sync/1` request.
    #[serde(skip)]
    pub authors: AuthorRange,
}

/// The `/coalition/sync/2` request as it is written: the range, and only the heads in it.
#[derive(Serialize)]
struct RequestV2<'a> {
    network_id: &'a NetworkId,
    frontier: &'a Frontier,
    authors: &'a AuthorRange,
}

/// The `/coalition/sync/2` request as it is read.
#[derive(Serialize, Deserialize)]
struct RequestV2Owned {
    network_id: NetworkId,
    frontier: Frontier,
    authors: AuthorRange,
}

impl SyncRequest {
    /// The request's bytes under `protocol`: version 2 states the heads in its range only;
    /// version 1 states them all and drops the range.
    pub fn to_bytes(&self, protocol: &StreamProtocol) -> io::Result<Vec<u8>> {
        if *protocol == SYNC_PROTOCOL_V2 {
            let frontier = self.authors.restrict(&self.frontier);
            encode(&RequestV2 {
                network_id: &self.network_id,
                frontier: &frontier,
                authors: &self.authors,
            })
        } else {
            encode(self)
        }
    }

    /// Reads a request under `protocol`: exactly one canonical value, nothing after it.
    pub fn from_bytes(protocol: &StreamProtocol, bytes: &[u8]) -> io::Result<SyncRequest> {
        if *protocol == SYNC_PROTOCOL_V2 {
            let v2: RequestV2Owned = decode_exact(bytes)?;
            Ok(SyncRequest {
                network_id: v2.network_id,
                frontier: v2.frontier,
                authors: v2.authors,
            })
        } else {
            decode_exact(bytes)
        }
    }
}

/// What the requester lacks, roster changes first, then entries in author and seq order, at most
/// one bounded batch. `more` says the responder holds more the requester lacks: ask again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    /// Roster changes the requester lacks, in version order.
    pub roster: Vec<SignedRosterChange>,
    /// Entries the requester lacks (erasures served before the payload-less entries they
    /// explain, docs/PROTOCOL.md §14.4).
    pub entries: Vec<WireEntry>,
    /// The responder holds more the requester lacks than fitted in this batch.
    pub more: bool,
}

/// What a responder sends back.
#[derive(Debug, Clone, PartialEq)]
pub enum SyncAnswer {
    /// Served: one bounded batch.
    Batch(SyncResponse),
    /// Over this peer's request rate: not served (the store was not touched); ask again after
    /// `retry_after_ms`. Asking earlier, again and again, gets the requester banned.
    Refused {
        /// Milliseconds to wait; below `0xffffffff` on the wire (a larger value is sent as
        /// `0xfffffffe`).
        retry_after_ms: u32,
    },
    /// The request named another coalition: this node never serves it. Carries this node's own
    /// network id.
    WrongNetwork {
        /// The responder's network id.
        ours: NetworkId,
    },
}

/// The retry time that marks [`SyncAnswer::WrongNetwork`].
const NEVER: u32 = u32::MAX;

/// Bytes of sync frames (length prefixes included) this node sent and received, shared by every
/// connection's copy of the codec. Transport framing (Noise, Yamux) is not counted.
#[derive(Debug, Default)]
pub struct SyncTraffic {
    pub request_bytes_sent: AtomicU64,
    pub request_bytes_received: AtomicU64,
    pub response_bytes_sent: AtomicU64,
    pub response_bytes_received: AtomicU64,
}

fn add(counter: &AtomicU64, bytes: usize) {
    counter.fetch_add(bytes as u64, Ordering::Relaxed);
}

/// The length-prefixed postcard codec of `/coalition/sync/2` and `/1`, for libp2p's request-response
/// behaviour. Clones share one set of traffic counters.
#[derive(Debug, Clone)]
pub struct SyncCodec {
    /// Largest request frame read or written, in bytes (length prefix not counted).
    pub max_request: usize,
    /// Largest batch frame read or written, in bytes (length prefix not counted).
    pub max_response: usize,
    /// Frame bytes sent and received, counted by every clone.
    pub traffic: Arc<SyncTraffic>,
}

impl SyncCodec {
    /// A codec with these frame limits (bytes) and fresh traffic counters.
    pub fn new(max_request: usize, max_response: usize) -> Self {
        SyncCodec {
            max_request,
            max_response,
            traffic: Arc::default(),
        }
    }
}

async fn read_frame<T: AsyncRead + Unpin + Send>(io: &mut T, limit: usize) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("sync frame of {len} bytes is over the limit of {limit}"),
        ));
    }
    let mut buf = vec![0u8; len];
    io.read_exact(&mut buf).await?;
    Ok(buf)
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(
    io: &mut T,
    bytes: &[u8],
    limit: usize,
) -> io::Result<()> {
    if bytes.len() > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "sync frame of {} bytes is over the limit of {limit}",
                bytes.len()
            ),
        ));
    }
    let len = u32::try_from(bytes.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too large"))?;
    io.write_all(&len.to_be_bytes()).await?;
    io.write_all(bytes).await?;
    io.flush().await
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> io::Result<T> {
    postcard::from_bytes(bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Decodes all of `bytes` as exactly one canonical value: trailing bytes, overlong varints and
/// unsorted maps are refused, so a request has one byte form.
fn decode_exact<T: for<'de> Deserialize<'de> + Serialize>(bytes: &[u8]) -> io::Result<T> {
    let invalid = |detail: String| io::Error::new(io::ErrorKind::InvalidData, detail);
    let (value, rest): (T, &[u8]) =
        postcard::take_from_bytes(bytes).map_err(|e| invalid(e.to_string()))?;
    if !rest.is_empty() {
        return Err(invalid(format!(
            "sync request has {} trailing bytes",
            rest.len()
        )));
    }
    if encode(&value)? != bytes {
        return Err(invalid("sync request is not canonically encoded".into()));
    }
    Ok(value)
}

/// Encodes into a buffer sized first: a batch of up to 1 MiB would otherwise grow by doubling,
/// copying itself about once more on the network thread (a percent of a catch-up's CPU).
fn encode<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    let invalid = |e| io::Error::new(io::ErrorKind::InvalidInput, e);
    let size = postcard::experimental::serialized_size(value).map_err(invalid)?;
    postcard::to_io(value, Vec::with_capacity(size)).map_err(invalid)
}

impl libp2p::request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = SyncRequest;
    type Response = SyncAnswer;

    async fn read_request<T>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
    ) -> io::Result<SyncRequest>
    where
        T: AsyncRead + Unpin + Send,
    {
        let bytes = read_frame(io, self.max_request).await?;
        add(&self.traffic.request_bytes_received, 4 + bytes.len());
        SyncRequest::from_bytes(protocol, &bytes)
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<SyncAnswer>
    where
        T: AsyncRead + Unpin + Send,
    {
        let bytes = read_frame(io, self.max_response).await?;
        add(&self.traffic.response_bytes_received, 4 + bytes.len());
        if bytes.is_empty() {
            let mut retry = [0u8; 4];
            io.read_exact(&mut retry).await?;
            add(&self.traffic.response_bytes_received, 4);
            let retry_after_ms = u32::from_be_bytes(retry);
            if retry_after_ms == NEVER {
                let mut ours = [0u8; 32];
                io.read_exact(&mut ours).await?;
                add(&self.traffic.response_bytes_received, 32);
                return Ok(SyncAnswer::WrongNetwork {
                    ours: coalition_record::Hash32(ours),
                });
            }
            return Ok(SyncAnswer::Refused { retry_after_ms });
        }
        Ok(SyncAnswer::Batch(decode(&bytes)?))
    }

    async fn write_request<T>(
        &mut self,
        protocol: &StreamProtocol,
        io: &mut T,
        request: SyncRequest,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        let bytes = request.to_bytes(protocol)?;
        write_frame(io, &bytes, self.max_request).await?;
        add(&self.traffic.request_bytes_sent, 4 + bytes.len());
        Ok(())
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        answer: SyncAnswer,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        match answer {
            SyncAnswer::Batch(response) => {
                let bytes = encode(&response)?;
                write_frame(io, &bytes, self.max_response).await?;
                add(&self.traffic.response_bytes_sent, 4 + bytes.len());
                Ok(())
            }
            SyncAnswer::Refused { retry_after_ms } => {
                // NEVER is reserved for the wrong-network refusal.
                let retry_after_ms = retry_after_ms.min(NEVER - 1);
                io.write_all(&0u32.to_be_bytes()).await?;
                io.write_all(&retry_after_ms.to_be_bytes()).await?;
                add(&self.traffic.response_bytes_sent, 8);
                io.flush().await
            }
            SyncAnswer::WrongNetwork { ours } => {
                io.write_all(&0u32.to_be_bytes()).await?;
                io.write_all(&NEVER.to_be_bytes()).await?;
                io.write_all(&ours.0).await?;
                add(&self.traffic.response_bytes_sent, 40);
                io.flush().await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coalition_record::sync::Head;
    use coalition_record::{Hash32, PublicKey};
    use futures::executor::block_on;
    use libp2p::request_response::Codec;

    fn codec() -> SyncCodec {
        SyncCodec {
            traffic: Arc::default(),
            max_request: 4096,
            max_response: 1 << 20,
        }
    }

    #[test]
    fn request_and_response_round_trip() -> io::Result<()> {
        let request = SyncRequest {
            network_id: Hash32([1; 32]),
            frontier: Frontier::new(
                2,
                [Head {
                    author: PublicKey([2; 32]),
                    seq: 4,
                    id: Hash32([3; 32]),
                }],
            ),
            authors: AuthorRange::ALL,
        };
        let mut buf = Vec::new();
        block_on(codec().write_request(&SYNC_PROTOCOL, &mut buf, request.clone()))?;
        let back = block_on(codec().read_request(&SYNC_PROTOCOL, &mut buf.as_slice()))?;
        assert_eq!(back, request);

        let response = SyncAnswer::Batch(SyncResponse {
            roster: Vec::new(),
            entries: vec![WireEntry {
                entry: vec![1; 300],
                payload: None,
            }],
            more: true,
        });
        let mut buf = Vec::new();
        block_on(codec().write_response(&SYNC_PROTOCOL, &mut buf, response.clone()))?;
        let back = block_on(codec().read_response(&SYNC_PROTOCOL, &mut buf.as_slice()))?;
        assert_eq!(back, response);
        Ok(())
    }

    /// A batch is encoded into a buffer of exactly its size, with the same bytes as before.
    #[test]
    fn a_batch_is_encoded_in_one_buffer_of_its_size() -> io::Result<()> {
        let response = SyncResponse {
            roster: Vec::new(),
            entries: (0..300)
                .map(|i| WireEntry {
                    entry: vec![i as u8; 200 + i],
                    payload: (i % 2 == 0).then(|| coalition_record::PayloadBlob {
                        salt: Default::default(),
                        bytes: vec![7; 3000 - i],
                    }),
                })
                .collect(),
            more: true,
        };
        let bytes = encode(&response)?;
        assert_eq!(bytes.capacity(), bytes.len(), "no spare room, no regrowth");
        assert_eq!(
            bytes,
            postcard::to_stdvec(&response).map_err(io::Error::other)?
        );
        Ok(())
    }

    /// The request of the sync vectors in docs/PROTOCOL.md §14.3: two heads, one on each side
    /// of the middle key, asking about the upper half.
    fn vector_request() -> SyncRequest {
        let head = |author: u8, seq: u64, id: u8| Head {
            author: PublicKey([author; 32]),
            seq,
            id: Hash32([id; 32]),
        };
        SyncRequest {
            network_id: Hash32([1; 32]),
            frontier: Frontier::new(2, [head(0x10, 4, 3), head(0x90, 1, 4)]),
            authors: AuthorRange::split(2)[1],
        }
    }

    /// `- label: hex` lines of docs/PROTOCOL.md.
    fn doc_vector(label: &str) -> Option<Vec<u8>> {
        let doc = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/PROTOCOL.md"
        ));
        doc.lines().find_map(|line| {
            let rest = line.strip_prefix("- ")?.strip_prefix(label)?;
            let hex = rest.strip_prefix(':')?.trim().trim_matches('`');
            hex::decode(hex).ok()
        })
    }

    #[test]
    fn a_ranged_request_states_only_its_heads_under_sync_2_and_every_head_under_sync_1(
    ) -> io::Result<()> {
        let request = vector_request();
        let v2 = request.to_bytes(&SYNC_PROTOCOL_V2)?;
        let v1 = request.to_bytes(&SYNC_PROTOCOL)?;
        if std::env::var_os("COALITION_PRINT_VECTORS").is_some() {
            println!("- sync/1 request bytes: {}", hex::encode(&v1));
            println!("- sync/2 request bytes: {}", hex::encode(&v2));
        }
        assert_eq!(doc_vector("sync/1 request bytes"), Some(v1.clone()));
        assert_eq!(doc_vector("sync/2 request bytes"), Some(v2.clone()));
        // Version 2 reads back with its range and the one head in it.
        let back = SyncRequest::from_bytes(&SYNC_PROTOCOL_V2, &v2)?;
        assert_eq!(back.authors, request.authors);
        assert_eq!(back.frontier.heads.len(), 1);
        assert_eq!(back.frontier.heads[0].author, PublicKey([0x90; 32]));
        // Version 1 is the plain request: both heads, every author, as a node before version 2
        // writes it.
        let plain = SyncRequest {
            authors: AuthorRange::ALL,
            ..request.clone()
        };
        assert_eq!(
            v1,
            postcard::to_stdvec(&(&plain.network_id, &plain.frontier)).map_err(io::Error::other)?
        );
        let back = SyncRequest::from_bytes(&SYNC_PROTOCOL, &v1)?;
        assert_eq!(back, plain);
        // Through the codec, each under its protocol.
        let mut buf = Vec::new();
        block_on(codec().write_request(&SYNC_PROTOCOL_V2, &mut buf, request.clone()))?;
        let read = block_on(codec().read_request(&SYNC_PROTOCOL_V2, &mut buf.as_slice()))?;
        assert_eq!(read.authors, request.authors);
        // A version 2 request with a byte more, or read as version 1, is refused.
        let mut longer = v2.clone();
        longer.push(0);
        assert!(SyncRequest::from_bytes(&SYNC_PROTOCOL_V2, &longer).is_err());
        assert!(SyncRequest::from_bytes(&SYNC_PROTOCOL, &v2).is_err());
        Ok(())
    }

    #[test]
    fn a_batch_frame_is_the_plain_sync_response_frame() -> io::Result<()> {
        // The wire form of a batch did not change: length, then postcard of SyncResponse.
        let response = SyncResponse::default();
        let mut buf = Vec::new();
        block_on(codec().write_response(
            &SYNC_PROTOCOL,
            &mut buf,
            SyncAnswer::Batch(response.clone()),
        ))?;
        let body = postcard::to_stdvec(&response).map_err(io::Error::other)?;
        assert_eq!(
            body,
            [0, 0, 0],
            "the smallest response is 3 bytes, never empty"
        );
        let mut expected = 3u32.to_be_bytes().to_vec();
        expected.extend_from_slice(&body);
        assert_eq!(buf, expected);
        Ok(())
    }

    #[test]
    fn a_refusal_is_an_empty_frame_and_a_retry_time() -> io::Result<()> {
        let mut buf = Vec::new();
        block_on(codec().write_response(
            &SYNC_PROTOCOL,
            &mut buf,
            SyncAnswer::Refused {
                retry_after_ms: 1234,
            },
        ))?;
        assert_eq!(buf, [0, 0, 0, 0, 0, 0, 0x04, 0xd2]);
        let back = block_on(codec().read_response(&SYNC_PROTOCOL, &mut buf.as_slice()))?;
        assert_eq!(
            back,
            SyncAnswer::Refused {
                retry_after_ms: 1234
            }
        );
        // What a node from before refusals does with it: a decode error, not a bogus batch.
        let old = block_on(read_frame(&mut buf.as_slice(), 1 << 20))?;
        assert!(postcard::from_bytes::<SyncResponse>(&old).is_err());
        // A refusal cut short is an error.
        assert!(block_on(codec().read_response(&SYNC_PROTOCOL, &mut &buf[..6])).is_err());
        Ok(())
    }

    #[test]
    fn a_wrong_network_refusal_carries_the_responders_network_id() -> io::Result<()> {
        let mut buf = Vec::new();
        let ours = Hash32([7; 32]);
        block_on(codec().write_response(
            &SYNC_PROTOCOL,
            &mut buf,
            SyncAnswer::WrongNetwork { ours },
        ))?;
        let mut expected = vec![0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        expected.extend_from_slice(&[7; 32]);
        assert_eq!(buf, expected);
        let back = block_on(codec().read_response(&SYNC_PROTOCOL, &mut buf.as_slice()))?;
        assert_eq!(back, SyncAnswer::WrongNetwork { ours });
        // A node from before this refusal reads the first 8 bytes as a refusal to wait out.
        let mut old = [0u8; 4];
        old.copy_from_slice(&buf[4..8]);
        assert_eq!(u32::from_be_bytes(old), u32::MAX);
        Ok(())
    }

    #[test]
    fn requests_with_trailing_or_non_canonical_bytes_are_refused() -> io::Result<()> {
        let request = SyncRequest {
            network_id: Hash32([1; 32]),
            frontier: Frontier::new(3, []),
            authors: AuthorRange::ALL,
        };
        let body = postcard::to_stdvec(&request).map_err(io::Error::other)?;
        let frame = |body: &[u8]| {
            let mut f = (body.len() as u32).to_be_bytes().to_vec();
            f.extend_from_slice(body);
            f
        };
        let ok = frame(&body);
        assert_eq!(
            block_on(codec().read_request(&SYNC_PROTOCOL, &mut ok.as_slice()))?,
            request
        );
        let mut trailing = body.clone();
        trailing.push(0);
        let trailing = frame(&trailing);
        let error = block_on(codec().read_request(&SYNC_PROTOCOL, &mut trailing.as_slice()))
            .expect_err("trailing byte");
        assert!(error.to_string().contains("trailing"), "{error}");
        // The roster version 3 as an overlong varint: 0x83 0x00.
        let mut overlong = body[..32].to_vec();
        overlong.extend_from_slice(&[0x83, 0x00]);
        overlong.extend_from_slice(&body[33..]);
        let overlong = frame(&overlong);
        assert!(block_on(codec().read_request(&SYNC_PROTOCOL, &mut overlong.as_slice())).is_err());
        Ok(())
    }

    #[test]
    fn oversized_frame_is_refused_before_reading_it() {
        // Claims 4 GiB and carries nothing: must fail on the length alone.
        let frame = u32::MAX.to_be_bytes().to_vec();
        let error = block_on(codec().read_request(&SYNC_PROTOCOL, &mut frame.as_slice()))
            .expect_err("over the limit");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn garbage_and_truncation_are_errors() {
        let mut frame = 3u32.to_be_bytes().to_vec();
        frame.extend_from_slice(&[0xff, 0xff, 0xff]);
        assert!(block_on(codec().read_request(&SYNC_PROTOCOL, &mut frame.as_slice())).is_err());
        let mut frame = 100u32.to_be_bytes().to_vec();
        frame.extend_from_slice(&[0; 10]);
        assert!(block_on(codec().read_response(&SYNC_PROTOCOL, &mut frame.as_slice())).is_err());
    }
}
