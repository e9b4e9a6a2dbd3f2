//! A real HTTP service on loopback for the tests: answers `POST` with JSON naming the
//! service and echoing the body (or with what a handler makes of the body: an agent's
//! own service that buys sub-tasks); counts the requests it served; can be told to
//! fail.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::{Request, Response};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// The upstream service's state.
#[derive(Default)]
pub struct UpstreamState {
    pub served: AtomicU64,
    /// While set, answers 500.
    pub failing: AtomicBool,
}

/// A handler: the request body in, the response body out (an error answers 500).
pub type Handler =
    Arc<dyn Fn(Bytes) -> futures::future::BoxFuture<'static, Result<Bytes, String>> + Send + Sync>;

/// A running upstream.
pub struct Upstream {
    pub addr: SocketAddr,
    pub name: String,
    pub state: Arc<UpstreamState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Upstream {
    /// Starts an upstream named `name` on a free loopback port.
    pub async fn start(name: &str) -> std::io::Result<Upstream> {
        Self::with_handler(name, None).await
    }

    /// Starts an upstream whose answers `handler` makes (the echo if `None`).
    pub async fn with_handler(name: &str, handler: Option<Handler>) -> std::io::Result<Upstream> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(UpstreamState::default());
        let (st, nm) = (state.clone(), name.to_string());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (st, nm, h) = (st.clone(), nm.clone(), handler.clone());
                tokio::spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let (st, nm, h) = (st.clone(), nm.clone(), h.clone());
                            async move {
                                let body = req
                                    .into_body()
                                    .collect()
                                    .await
                                    .map(|b| b.to_bytes())
                                    .unwrap_or_default();
                                if st.failing.load(Ordering::SeqCst) {
                                    return Ok::<_, std::convert::Infallible>(
                                        Response::builder()
                                            .status(500)
                                            .body(Full::new(Bytes::from_static(
                                                b"upstream failure",
                                            )))
                                            .unwrap_or_default(),
                                    );
                                }
                                if let Some(h) = h {
                                    let (status, out) = match h(body).await {
                                        Ok(b) => (200, b),
                                        Err(e) => (500, Bytes::from(e)),
                                    };
                                    if status == 200 {
                                        st.served.fetch_add(1, Ordering::SeqCst);
                                    }
                                    return Ok(Response::builder()
                                        .status(status)
                                        .body(Full::new(out))
                                        .unwrap_or_default());
                                }
                                let n = st.served.fetch_add(1, Ordering::SeqCst) + 1;
                                let json = serde_json::json!({
                                    "served_by": nm,
                                    "n": n,
                                    "echo": String::from_utf8_lossy(&body),
                                });
                                Ok(Response::builder()
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from(json.to_string())))
                                    .unwrap_or_default())
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(Upstream {
            addr,
            name: name.to_string(),
            state,
            task,
        })
    }

    /// Requests served so far.
    pub fn served(&self) -> u64 {
        self.state.served.load(Ordering::SeqCst)
    }
}
