//! The `/coalition/sync/1` request-response protocol: messages and a length-prefixed postcard
//! codec. A frame is a 4-byte big-endian length and that many bytes of postcard; a length over
//! the limit is refused before anything is allocated.

use coalition_record::sync::Frontier;
use coalition_record::{NetworkId, SignedRosterChange, WireEntry};
use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use serde::{Deserialize, Serialize};
use std::io;

pub const SYNC_PROTOCOL: StreamProtocol = StreamProtocol::new("/coalition/sync/1");

/// "Here is what I hold; send what I lack."
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub network_id: NetworkId,
    pub frontier: Frontier,
}

/// What the requester lacks, roster changes first, then entries in author and seq order, at most
/// one bounded batch. `more` says the responder holds more the requester lacks: ask again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub roster: Vec<SignedRosterChange>,
    pub entries: Vec<WireEntry>,
    pub more: bool,
}

#[derive(Debug, Clone)]
pub struct SyncCodec {
    pub max_request: usize,
    pub max_response: usize,
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

fn encode<T: Serialize>(value: &T) -> io::Result<Vec<u8>> {
    postcard::to_stdvec(value).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
}

impl libp2p::request_response::Codec for SyncCodec {
    type Protocol = StreamProtocol;
    type Request = SyncRequest;
    type Response = SyncResponse;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<SyncRequest>
    where
        T: AsyncRead + Unpin + Send,
    {
        decode(&read_frame(io, self.max_request).await?)
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<SyncResponse>
    where
        T: AsyncRead + Unpin + Send,
    {
        decode(&read_frame(io, self.max_response).await?)
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        request: SyncRequest,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &encode(&request)?, self.max_request).await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        response: SyncResponse,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &encode(&response)?, self.max_response).await
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
        };
        let mut buf = Vec::new();
        block_on(codec().write_request(&SYNC_PROTOCOL, &mut buf, request.clone()))?;
        let back = block_on(codec().read_request(&SYNC_PROTOCOL, &mut buf.as_slice()))?;
        assert_eq!(back, request);

        let response = SyncResponse {
            roster: Vec::new(),
            entries: vec![WireEntry {
                entry: vec![1; 300],
                payload: None,
            }],
            more: true,
        };
        let mut buf = Vec::new();
        block_on(codec().write_response(&SYNC_PROTOCOL, &mut buf, response.clone()))?;
        let back = block_on(codec().read_response(&SYNC_PROTOCOL, &mut buf.as_slice()))?;
        assert_eq!(back, response);
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
