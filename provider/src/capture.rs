//! A response body that streams through unchanged and keeps a copy (up to a limit)
//! for `Idempotency-Key` replays. When the body ends, the copy is recorded; when it is
//! too large, breaks off, or the client goes away first, the key is recorded as
//! completed without a response ("not retained").

use crate::store::StoredResponse;
use bytes::Bytes;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};

/// What to do with the copy once the body is over.
pub type OnDone = Box<dyn FnOnce(Option<StoredResponse>) + Send + Sync>;

/// The body wrapper.
pub struct Capture<B> {
    inner: B,
    /// `None` once the copy is abandoned (too large).
    copy: Option<Vec<u8>>,
    limit: usize,
    status: u16,
    headers: Vec<(String, String)>,
    on_done: Option<OnDone>,
}

impl<B: Body> Capture<B> {
    /// Wraps `inner`, the body of a response with `status` and `headers`; `limit`:
    /// the largest body kept; `keep`: false to record "not retained" whatever the size
    /// (a stream of events).
    pub fn new(
        inner: B,
        status: u16,
        headers: &HeaderMap,
        limit: usize,
        keep: bool,
        on_done: OnDone,
    ) -> Self {
        let headers = headers
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let mut c = Capture {
            inner,
            copy: keep.then(Vec::new),
            limit,
            status,
            headers,
            on_done: Some(on_done),
        };
        // An empty body may never be polled.
        if c.inner.is_end_stream() {
            c.finish(true);
        }
        c
    }
}

impl<B> Capture<B> {
    fn finish(&mut self, complete: bool) {
        if let Some(f) = self.on_done.take() {
            let response = match (complete, self.copy.take()) {
                (true, Some(body)) => Some(StoredResponse {
                    status: self.status,
                    headers: std::mem::take(&mut self.headers),
                    body,
                }),
                _ => None,
            };
            f(response);
        }
    }
}

impl<B> Body for Capture<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let over = this
                        .copy
                        .as_ref()
                        .is_some_and(|c| c.len() + data.len() > this.limit);
                    if over {
                        this.copy = None;
                    } else if let Some(c) = &mut this.copy {
                        c.extend_from_slice(data);
                    }
                }
                // A body of known length may not be polled again after its last bytes.
                if this.inner.is_end_stream() {
                    this.finish(true);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => {
                this.finish(false);
                Poll::Ready(Some(Err(e)))
            }
            Poll::Ready(None) => {
                this.finish(true);
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for Capture<B> {
    fn drop(&mut self) {
        // Dropped before the end: the client went away (or the body was never read).
        self.finish(false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{BodyExt, Full, StreamBody};
    use std::sync::{Arc, Mutex};

    type Seen = Arc<Mutex<Option<Option<StoredResponse>>>>;

    fn recorder() -> (Seen, OnDone) {
        let seen: Seen = Arc::new(Mutex::new(None));
        let s = seen.clone();
        (seen, Box::new(move |r| *s.lock().unwrap() = Some(r)))
    }

    #[tokio::test]
    async fn a_small_body_passes_through_and_is_kept() {
        let (seen, done) = recorder();
        let mut h = HeaderMap::new();
        h.insert("content-type", "text/plain".parse().unwrap());
        let body = Capture::new(
            Full::new(Bytes::from_static(b"hello")),
            200,
            &h,
            10,
            true,
            done,
        );
        let out = body.collect().await.unwrap().to_bytes();
        assert_eq!(&out[..], b"hello");
        let kept = seen.lock().unwrap().clone().unwrap().unwrap();
        assert_eq!(kept.status, 200);
        assert_eq!(kept.body, b"hello");
        assert_eq!(
            kept.headers,
            vec![("content-type".to_string(), "text/plain".to_string())]
        );
    }

    #[tokio::test]
    async fn a_body_over_the_limit_passes_through_whole_and_is_not_kept() {
        let (seen, done) = recorder();
        let chunks = futures::stream::iter(
            ["aaaa", "bbbb", "cccc"]
                .map(|c| Ok::<_, std::convert::Infallible>(Frame::data(Bytes::from(c)))),
        );
        let body = Capture::new(
            StreamBody::new(chunks),
            200,
            &HeaderMap::new(),
            10,
            true,
            done,
        );
        let out = body.collect().await.unwrap().to_bytes();
        assert_eq!(&out[..], b"aaaabbbbcccc");
        assert_eq!(*seen.lock().unwrap(), Some(None));
    }

    #[tokio::test]
    async fn a_body_dropped_before_its_end_is_recorded_as_not_kept() {
        let (seen, done) = recorder();
        let body = Capture::new(
            Full::new(Bytes::from_static(b"x")),
            200,
            &HeaderMap::new(),
            10,
            true,
            done,
        );
        drop(body);
        assert_eq!(*seen.lock().unwrap(), Some(None));
    }
}
