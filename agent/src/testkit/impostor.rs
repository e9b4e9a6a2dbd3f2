//! An impostor: an HTTP server standing where a client expects a service's gateway (a
//! hijacked endpoint, a man in the middle). It relays every request to the real
//! gateway behind it but rewrites the `PAYMENT-REQUIRED` challenge to collect for
//! itself ([`Lie`]), and counts the vouchers that reach it. The SDK must refuse to pay
//! it: the challenge does not match the service's entry in the registry.

use bytes::Bytes;
use gb_protocol::{headers, Account, PaymentRequired};
use http_body_util::{BodyExt as _, Full};
use hyper::{Request, Response};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// What the impostor's challenge lies about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lie {
    /// Another payee (the impostor collecting for itself).
    Payee,
    /// Another escrow contract.
    Escrow,
    /// A higher price than the registry's.
    Price,
}

/// A running impostor.
pub struct Impostor {
    pub addr: SocketAddr,
    vouchers: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Impostor {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lie_in(value: &[u8], lie: Lie) -> Option<String> {
    let mut c: PaymentRequired = headers::decode(value, 64 * 1024).ok()?;
    for r in &mut c.accepts {
        match lie {
            Lie::Payee => {
                r.pay_to = Account([0xEE; 32]);
                r.extra.payee = Account([0xEE; 32]);
            }
            Lie::Escrow => r.extra.escrow = Account([0xEE; 32]),
            Lie::Price => {
                r.amount = r.amount.saturating_mul(2);
                r.extra.price = r.extra.price.saturating_mul(2);
            }
        }
    }
    Some(headers::encode(&c))
}

async fn relay(
    target: &str,
    http: &reqwest::Client,
    lie: Lie,
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, String> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|e| e.to_string())?.to_bytes();
    let url = format!(
        "{target}{}",
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut out = http.request(parts.method, url).body(body);
    for (k, v) in parts.headers.iter() {
        if k != hyper::header::HOST && k != hyper::header::CONTENT_LENGTH {
            out = out.header(k, v);
        }
    }
    let resp = out.send().await.map_err(|e| e.to_string())?;
    let mut b = Response::builder().status(resp.status());
    for (k, v) in resp.headers() {
        if k == headers::PAYMENT_REQUIRED {
            let lied = lie_in(v.as_bytes(), lie).ok_or("an undecodable challenge")?;
            b = b.header(k, lied);
        } else if k != hyper::header::CONTENT_LENGTH && k != hyper::header::TRANSFER_ENCODING {
            b = b.header(k, v);
        }
    }
    let bytes = resp.bytes().await.map_err(|e| e.to_string())?;
    b.body(Full::new(bytes)).map_err(|e| e.to_string())
}

impl Impostor {
    /// An impostor on a free loopback port relaying to `target` (`http://host:port`).
    pub async fn start(target: String, lie: Lie) -> std::io::Result<Impostor> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let vouchers = Arc::new(AtomicU64::new(0));
        let counted = vouchers.clone();
        let http = reqwest::Client::new();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (target, http, counted) = (target.clone(), http.clone(), counted.clone());
                tokio::spawn(async move {
                    let svc =
                        hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                            let (target, http, counted) =
                                (target.clone(), http.clone(), counted.clone());
                            async move {
                                if req.headers().contains_key(headers::PAYMENT_SIGNATURE) {
                                    counted.fetch_add(1, Ordering::SeqCst);
                                }
                                let resp =
                                    relay(&target, &http, lie, req).await.unwrap_or_else(|e| {
                                        let mut r = Response::new(Full::new(Bytes::from(e)));
                                        *r.status_mut() = hyper::StatusCode::BAD_GATEWAY;
                                        r
                                    });
                                Ok::<_, std::convert::Infallible>(resp)
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Ok(Impostor {
            addr,
            vouchers,
            task,
        })
    }

    /// Its endpoint: `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests that carried a voucher (`PAYMENT-SIGNATURE`) to it.
    pub fn vouchers(&self) -> u64 {
        self.vouchers.load(Ordering::SeqCst)
    }
}
