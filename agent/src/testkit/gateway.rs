//! A provider gateway for the SDK's tests, speaking `docs/payment-protocol.md` on
//! loopback in front of an [`super::Upstream`], on the in-process chain: the 402
//! challenge (with the named channel's status), vouchers verified with
//! `gb_voucher::verify` against the channel read from escrow, the ledger rule
//! (`amount ≤ funds`, `max(accepted, amount) ≥ spent + price`), receipts, idempotent
//! replays, refunds of upstream failures, and batch claims of the best vouchers.
//!
//! It is the test double of `gb-gateway` (issue 16, built on another branch): it keeps
//! its ledger in memory (no durability: the crash tests of the *client* do not need
//! the gateway's), and it can be told to lie in its challenge ([`Lie`]) to test that
//! the SDK refuses to pay an impostor. The integration tests move to the real gateway
//! once it is merged.

use bytes::Bytes;
use gb_chain::{Balance, Chain};
use gb_client::{Channel, ChannelState, Client};
use gb_interfaces::{ChannelId, ServiceId, Voucher};
use gb_protocol::headers;
use gb_protocol::{
    Account, BatchSettlementExtra, ChannelStatus, PaymentPayload, PaymentRequired,
    PaymentRequirements, PaymentResponse, Problem, ProblemKind, Receipt, Resource, SignerScheme,
};
use http_body_util::{BodyExt as _, Full};
use hyper::{Request, Response};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// What the gateway lies about in its challenge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lie {
    #[default]
    None,
    /// Another payee (an impostor collecting for itself).
    Payee,
    /// Another escrow contract.
    Escrow,
    /// A higher price than the registry's.
    Price,
}

#[derive(Default)]
struct Ledger {
    accepted: Balance,
    spent: Balance,
    best: Option<Voucher>,
}

struct Inner {
    client: Client<Arc<dyn Chain>>,
    service_id: ServiceId,
    payee: [u8; 32],
    price: Balance,
    upstream: String,
    lie: Mutex<Lie>,
    ledgers: Mutex<HashMap<ChannelId, Ledger>>,
    replies: Mutex<HashMap<String, (u16, Bytes, Receipt)>>,
    http: reqwest::Client,
    margin_ms: u64,
}

/// A running test gateway.
pub struct TestGateway {
    pub addr: SocketAddr,
    inner: Arc<Inner>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The connections being served (aborted with the listener: "down" means down).
    connections: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl Drop for TestGateway {
    fn drop(&mut self) {
        self.stop();
    }
}

type Resp = Response<Full<Bytes>>;

fn problem(kind: ProblemKind, detail: String, channel: Option<ChannelStatus>) -> Problem {
    let mut p = Problem::new(kind, detail);
    p.required_cumulative = channel.as_ref().map(|c| c.required_cumulative);
    p.channel = channel;
    p
}

impl TestGateway {
    /// A gateway for `service_id` (paying `payee` `price` per call) in front of
    /// `upstream`, on a free loopback port.
    pub async fn start(
        client: Client<Arc<dyn Chain>>,
        service_id: ServiceId,
        payee: [u8; 32],
        price: Balance,
        upstream: SocketAddr,
    ) -> std::io::Result<TestGateway> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            client,
            service_id,
            payee,
            price,
            upstream: format!("http://{upstream}"),
            lie: Mutex::new(Lie::None),
            ledgers: Mutex::new(HashMap::new()),
            replies: Mutex::new(HashMap::new()),
            http: reqwest::Client::new(),
            margin_ms: 60_000,
        });
        let gw = TestGateway {
            addr,
            inner,
            task: Mutex::new(None),
            connections: Arc::new(Mutex::new(Vec::new())),
        };
        gw.serve(listener);
        Ok(gw)
    }

    fn serve(&self, listener: tokio::net::TcpListener) {
        let inner = self.inner.clone();
        let connections = self.connections.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inner = inner.clone();
                let conn = tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let inner = inner.clone();
                        async move { Ok::<_, std::convert::Infallible>(inner.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
                let mut open = connections.lock().unwrap_or_else(|p| p.into_inner());
                open.retain(|c| !c.is_finished());
                open.push(conn.abort_handle());
            }
        });
        *self.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(task);
    }

    /// The endpoint to register: `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops listening and drops every open connection (the gateway is "down").
    pub fn stop(&self) {
        if let Some(t) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            t.abort();
        }
        for c in self
            .connections
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            c.abort();
        }
    }

    /// Listens again on the same port, with the same ledger.
    pub async fn restart(&self) -> std::io::Result<()> {
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        self.serve(listener);
        Ok(())
    }

    /// Makes the challenge lie.
    pub fn lie(&self, lie: Lie) {
        *self.inner.lie.lock().unwrap_or_else(|p| p.into_inner()) = lie;
    }

    /// The best voucher of every channel not yet claimed up to it.
    pub fn vouchers(&self) -> Vec<Voucher> {
        self.inner
            .ledgers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter_map(|l| l.best)
            .collect()
    }

    /// Total charged over all channels.
    pub fn spent(&self) -> Balance {
        self.inner
            .ledgers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .map(|l| l.spent)
            .sum()
    }

    /// Claims every channel's best voucher in one `claim_batch`, signed by `payee`;
    /// returns the total newly claimed (gross).
    pub async fn claim(
        &self,
        payee: &gb_chain::AccountKey,
    ) -> Result<Balance, gb_client::ClientError> {
        let vouchers = self.vouchers();
        if vouchers.is_empty() {
            return Ok(0);
        }
        let c = &self.inner.client;
        let sent = c.send(payee, c.escrow().claim_batch(vouchers)).await?;
        Ok(sent.value.iter().filter_map(|o| o.as_ref().ok()).sum())
    }
}

impl Inner {
    fn network(&self) -> String {
        gb_protocol::network_id(&crate::wire::genesis_of(
            &self.client.deployment().chain.genesis_hash,
        ))
    }

    fn requirements(&self, channel: Option<ChannelStatus>) -> PaymentRequirements {
        let lie = *self.lie.lock().unwrap_or_else(|p| p.into_inner());
        let payee = Account(if lie == Lie::Payee {
            [0xEE; 32]
        } else {
            self.payee
        });
        let escrow = Account(if lie == Lie::Escrow {
            [0xEE; 32]
        } else {
            self.client.deployment().escrow().0
        });
        let price = if lie == Lie::Price {
            self.price * 2
        } else {
            self.price
        };
        PaymentRequirements {
            scheme: gb_protocol::SCHEME.into(),
            network: self.network(),
            amount: price,
            asset: gb_protocol::ASSET_NATIVE.into(),
            pay_to: payee,
            max_timeout_seconds: 60,
            extra: BatchSettlementExtra {
                escrow,
                service_id: self.service_id,
                payee,
                price,
                voucher_version: gb_protocol::VOUCHER_VERSION,
                signer_schemes: vec![SignerScheme::Sr25519, SignerScheme::Ecdsa],
                min_expiry_margin_ms: self.margin_ms,
                min_deposit: self.price,
                genesis_hash: self.client.deployment().chain.genesis_hash.clone(),
                channel,
            },
        }
    }

    fn status_of(&self, ch: &Channel) -> ChannelStatus {
        let ledgers = self.ledgers.lock().unwrap_or_else(|p| p.into_inner());
        let l = ledgers.get(&ch.id);
        let (accepted, spent) = l.map_or((ch.claimed, ch.claimed), |l| {
            (l.accepted.max(ch.claimed), l.spent.max(ch.claimed))
        });
        ChannelStatus {
            channel_id: ch.id,
            accepted_cumulative: accepted,
            spent,
            required_cumulative: spent + self.price,
            funds: ch.funds,
            claimed_on_chain: ch.claimed,
            expiry: ch.expiry,
            open: ch.state == ChannelState::Open,
        }
    }

    fn refuse(
        &self,
        kind: ProblemKind,
        detail: String,
        channel: Option<ChannelStatus>,
        path: &str,
    ) -> Resp {
        let mut b = Response::builder()
            .status(kind.status())
            .header("content-type", gb_protocol::PROBLEM_JSON);
        if kind.carries_challenge() {
            let challenge = PaymentRequired {
                x402_version: gb_protocol::X402_VERSION,
                error: Some(kind.title().into()),
                resource: Resource {
                    url: path.into(),
                    description: None,
                    mime_type: None,
                },
                accepts: vec![self.requirements(channel.clone())],
            };
            b = b.header(headers::PAYMENT_REQUIRED, headers::encode(&challenge));
        }
        let body = serde_json::to_vec(&problem(kind, detail, channel)).unwrap_or_default();
        b.body(Full::new(Bytes::from(body))).unwrap_or_default()
    }

    async fn channel(&self, id: ChannelId) -> Option<Channel> {
        self.client
            .query(self.client.escrow().channel(id))
            .await
            .ok()
            .flatten()
    }

    async fn handle(&self, req: Request<hyper::body::Incoming>) -> Resp {
        let path = req.uri().path().to_string();
        let method = req.method().clone();
        let hdr = |n: &str| req.headers().get(n).map(|v| v.as_bytes().to_vec());
        let (signature, named, key) = (
            hdr(headers::PAYMENT_SIGNATURE),
            hdr(headers::PAYMENT_CHANNEL),
            hdr(headers::IDEMPOTENCY_KEY),
        );
        let body = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let Some(signature) = signature else {
            let status = match named.and_then(|n| headers::parse_channel(&n).ok()) {
                Some(id) => self.channel(id).await.map(|c| self.status_of(&c)),
                None => None,
            };
            return self.refuse(
                ProblemKind::Unpaid,
                "pay with a voucher".into(),
                status,
                &path,
            );
        };
        let payload: PaymentPayload =
            match headers::decode(&signature, headers::MAX_PAYMENT_SIGNATURE_LEN) {
                Ok(p) => p,
                Err(e) => {
                    return self.refuse(ProblemKind::MalformedPayment, e.to_string(), None, &path)
                }
            };
        if payload.scheme != gb_protocol::SCHEME {
            return self.refuse(ProblemKind::UnsupportedScheme, payload.scheme, None, &path);
        }
        if payload.network != self.network() {
            return self.refuse(ProblemKind::WrongNetwork, payload.network, None, &path);
        }
        let v = payload.payload.voucher();
        let Some(ch) = self.channel(v.channel_id).await else {
            return self.refuse(
                ProblemKind::ChannelNotFound,
                format!("no channel {}", v.channel_id),
                None,
                &path,
            );
        };
        let status = self.status_of(&ch);
        if ch.state != ChannelState::Open {
            return self.refuse(
                ProblemKind::ChannelClosed,
                "closed".into(),
                Some(status),
                &path,
            );
        }
        if ch.service_id != self.service_id || gb_client::chain_account(&ch.payee).0 != self.payee {
            return self.refuse(
                ProblemKind::WrongService,
                "another service".into(),
                Some(status),
                &path,
            );
        }
        let now = self.client.chain().now().await.unwrap_or(0);
        if ch.expiry < now + self.margin_ms {
            return self.refuse(
                ProblemKind::ChannelExpiring,
                "extend it".into(),
                Some(status),
                &path,
            );
        }
        if gb_voucher::verify(&ch.signer, &self.client.deployment().escrow().0, &v).is_err() {
            return self.refuse(
                ProblemKind::InvalidSignature,
                "does not verify".into(),
                Some(status),
                &path,
            );
        }
        if v.amount > ch.funds {
            return self.refuse(
                ProblemKind::InsufficientFunds,
                "above the funds".into(),
                Some(status),
                &path,
            );
        }
        let key = key.map(|k| format!("{}:{}", v.channel_id, String::from_utf8_lossy(&k)));
        if let Some(k) = &key {
            if let Some((st, b, r)) = self
                .replies
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(k)
                .cloned()
            {
                let r = Receipt {
                    charged: 0,
                    replayed: true,
                    ..r
                };
                return self.reply(st, b, r, &ch);
            }
        }
        // The ledger rule, under a short lock.
        let receipt = {
            let mut ledgers = self.ledgers.lock().unwrap_or_else(|p| p.into_inner());
            let l = ledgers.entry(ch.id).or_default();
            l.spent = l.spent.max(ch.claimed);
            if l.accepted.max(v.amount) < l.spent + self.price || l.spent + self.price > ch.funds {
                let mut s = status.clone();
                s.accepted_cumulative = l.accepted;
                s.spent = l.spent;
                s.required_cumulative = l.spent + self.price;
                drop(ledgers);
                let kind = if status.required_cumulative > ch.funds {
                    ProblemKind::InsufficientFunds
                } else {
                    ProblemKind::StaleAmount
                };
                return self.refuse(kind, "sign more".into(), Some(s), &path);
            }
            if v.amount > l.accepted {
                l.accepted = v.amount;
                l.best = Some(v);
            }
            l.spent += self.price;
            Receipt {
                channel_id: ch.id,
                accepted_cumulative: l.accepted,
                spent: l.spent,
                charged: self.price,
                remaining: ch.funds - l.spent,
                required_cumulative: l.spent + self.price,
                claimed_on_chain: ch.claimed,
                expiry: ch.expiry,
                replayed: false,
            }
        };
        let forwarded = self
            .http
            .request(method, format!("{}{}", self.upstream, path))
            .body(body)
            .send()
            .await;
        let (st, bytes) = match forwarded {
            Ok(r) if r.status().as_u16() < 500 => {
                (r.status().as_u16(), r.bytes().await.unwrap_or_default())
            }
            other => {
                // The service failed: refund the charge.
                let mut ledgers = self.ledgers.lock().unwrap_or_else(|p| p.into_inner());
                let l = ledgers.entry(ch.id).or_default();
                l.spent -= self.price;
                let r = Receipt {
                    charged: 0,
                    spent: l.spent,
                    remaining: ch.funds - l.spent,
                    required_cumulative: l.spent + self.price,
                    ..receipt
                };
                drop(ledgers);
                let detail = match other {
                    Ok(r) => format!("upstream answered {}", r.status()),
                    Err(e) => e.to_string(),
                };
                let body =
                    serde_json::to_vec(&Problem::new(ProblemKind::UpstreamUnavailable, detail))
                        .unwrap_or_default();
                return self.reply(502, Bytes::from(body), r, &ch);
            }
        };
        if let Some(k) = key {
            self.replies
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(k, (st, bytes.clone(), receipt.clone()));
        }
        self.reply(st, bytes, receipt, &ch)
    }

    fn reply(&self, status: u16, body: Bytes, receipt: Receipt, ch: &Channel) -> Resp {
        let resp = PaymentResponse {
            success: true,
            transaction: String::new(),
            network: self.network(),
            payer: Account(*AsRef::<[u8; 32]>::as_ref(&ch.client)),
            receipt,
        };
        Response::builder()
            .status(status)
            .header(headers::PAYMENT_RESPONSE, headers::encode(&resp))
            .body(Full::new(body))
            .unwrap_or_default()
    }
}
