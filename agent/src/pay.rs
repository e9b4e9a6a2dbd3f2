//! The paying HTTP client: a call goes to the service's registered endpoint with the
//! next cumulative voucher; a `402` challenge is checked against the service's
//! on-chain registry entry and this deployment before anything is paid (never pay an
//! impostor); transient failures are retried with the same voucher and
//! `Idempotency-Key` (the body is replayed from memory); the response streams through
//! to the caller with the gateway's receipt.
//!
//! The first call to a service in a process goes out unpaid, naming the channel
//! (`PAYMENT-CHANNEL`): the gateway's challenge gives its terms (checked) and the
//! channel's ledger (the books resynchronize to it, e.g. after a restart). Later calls
//! pay at once.

use crate::agent::{lock, Agent};
use crate::discover::ServiceInfo;
use crate::error::AgentError;
use crate::ledger::{sign_voucher, LedgerError, Next};
use crate::store::SpendRecord;
use crate::wire::{
    self, ChannelStatus, PaymentPayload, PaymentRequired, Problem, ProblemKind, Receipt,
};
use bytes::Bytes;
use gb_chain::Balance;
use gb_interfaces::{ChannelId, Voucher};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Serialize;
use std::time::Duration;

/// A request to a service: method, path under its endpoint, headers, body.
#[derive(Clone, Debug)]
pub struct CallRequest {
    pub method: reqwest::Method,
    /// Appended to the service's endpoint (e.g. `/v1/infer`; empty for the endpoint
    /// itself).
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The idempotency key (a fresh random one if `None`).
    pub idempotency_key: Option<String>,
}

impl CallRequest {
    /// A POST of `body` to `path`.
    pub fn post(path: impl Into<String>, body: impl Into<Bytes>) -> Self {
        CallRequest {
            method: reqwest::Method::POST,
            path: path.into(),
            headers: Vec::new(),
            body: body.into(),
            idempotency_key: None,
        }
    }

    /// A GET of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        CallRequest {
            method: reqwest::Method::GET,
            ..CallRequest::post(path, Bytes::new())
        }
    }

    /// With a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A paid call's response: status and headers now, the body as a stream
/// (`response.bytes_stream()`) or at once (`response.bytes()`), and the receipt.
#[derive(Debug)]
pub struct Paid {
    pub service_id: u64,
    pub channel_id: ChannelId,
    /// The voucher's cumulative amount.
    pub amount: Balance,
    /// The gateway's receipt (what was charged, what the channel holds).
    pub receipt: Receipt,
    pub response: reqwest::Response,
    /// Attempts it took (1 = no retry).
    pub attempts: u32,
}

/// A receipt as the CLI and MCP server print it.
#[derive(Clone, Debug, Serialize)]
pub struct ReceiptView {
    pub service_id: u64,
    pub channel_id: ChannelId,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub voucher_amount: Balance,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub charged: Balance,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub spent: Balance,
    #[serde(with = "gb_interfaces::serde_fmt::decimal")]
    pub remaining: Balance,
    pub replayed: bool,
    pub attempts: u32,
}

impl Paid {
    /// The receipt, flattened for output.
    pub fn view(&self) -> ReceiptView {
        ReceiptView {
            service_id: self.service_id,
            channel_id: self.channel_id,
            voucher_amount: self.amount,
            charged: self.receipt.charged,
            spent: self.receipt.spent,
            remaining: self.receipt.remaining,
            replayed: self.receipt.replayed,
            attempts: self.attempts,
        }
    }
}

/// What one attempt produced.
enum Outcome {
    Done(Box<Paid>),
    /// Try again now (books resynchronized, channel fixed…), pay this time. Carries
    /// what the gateway said, for the error if it keeps asking.
    Again(String),
    /// The chain already has what the gateway asked for (funds added, expiry moved, the
    /// channel opened) but the gateway, which follows finalized blocks, has not seen it
    /// yet: try again after a pause, without another transaction.
    Behind(String),
    /// The voucher was stale: concurrent calls on the channel were served first. Pay
    /// again at once, above them.
    Overtaken(String),
    /// Try again after a pause, with the same voucher.
    Later(String),
    /// Try again after a pause with a new voucher (the upstream failed and the
    /// gateway refunded the charge).
    Refunded(String),
}

/// How often one call may be overtaken by concurrent calls of its channel.
const MAX_OVERTAKEN: u32 = 64;

/// The longest pause between two tries while a gateway catches up with the chain.
const BEHIND_PAUSE_MAX_MS: u64 = 2_000;

/// A channel's facts as the chain has them now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ChainFacts {
    pub funds: Balance,
    pub expiry: u64,
    pub open: bool,
}

/// True if the gateway refused on facts the chain has already moved past: the channel
/// is open on chain and either holds `required` (if non-zero) while the gateway saw less,
/// or expires after `wanted_expiry` (if non-zero) while the gateway saw it earlier. A
/// refusal without the gateway's view of the channel is taken at its word.
pub(crate) fn gateway_behind(
    gateway: Option<&ChannelStatus>,
    chain: &Option<ChainFacts>,
    required: Balance,
    wanted_expiry: u64,
) -> bool {
    let (Some(seen), Some(now)) = (gateway, chain) else {
        return false;
    };
    if !now.open {
        return false;
    }
    let funds_moved = required > 0 && now.funds >= required && seen.funds < now.funds;
    let expiry_moved = wanted_expiry > 0 && now.expiry > wanted_expiry && seen.expiry < now.expiry;
    funds_moved || expiry_moved
}

fn header(name: &'static str, value: &str) -> Result<(HeaderName, HeaderValue), AgentError> {
    Ok((
        HeaderName::from_static(name),
        HeaderValue::from_str(value).map_err(|e| AgentError::Request(format!("{name}: {e}")))?,
    ))
}

impl Agent {
    /// Pays for and makes one call of `service` (discovered or read by id: its
    /// registry entry is what the gateway's terms are checked against). Budget first,
    /// then the channel (opened or topped up if needed), the voucher, the request.
    pub async fn call(&self, service: &ServiceInfo, req: CallRequest) -> Result<Paid, AgentError> {
        let now = self.now().await?;
        let reservation = lock(&self.state)
            .budget
            .reserve(service.id, service.price, now)?;
        let result = self.call_reserved(service, &req).await;
        let mut st = lock(&self.state);
        match &result {
            Ok(paid) => {
                st.budget.settle(reservation, paid.receipt.charged, now);
                drop(st);
                if paid.receipt.charged > 0 {
                    self.store.note_spend(SpendRecord {
                        ts_ms: now,
                        service_id: service.id,
                        channel_id: paid.channel_id,
                        amount: paid.receipt.charged,
                    })?;
                }
            }
            // Unknown outcome: count the price (conservative).
            Err(AgentError::Unreachable { .. }) => {
                st.budget.settle(reservation, service.price, now)
            }
            Err(_) => st.budget.release(reservation),
        }
        result
    }

    async fn call_reserved(
        &self,
        service: &ServiceInfo,
        req: &CallRequest,
    ) -> Result<Paid, AgentError> {
        let key = req
            .idempotency_key
            .clone()
            .unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
        let url = format!("{}{}", service.endpoint.trim_end_matches('/'), req.path);
        let mut gateway_margin = 0;
        let mut channel = self.channel_for(service, gateway_margin).await?;
        let mut paying = lock(&self.state).verified.contains(&service.id);
        // The voucher of the current attempt (kept for retries with the same key).
        let mut voucher: Option<Voucher> = None;
        let mut attempts = 0u32;
        let mut fixes = 0u32;
        let mut overtaken = 0u32;
        let mut backoff = self.config.pay.retry_backoff_ms;
        let started = std::time::Instant::now();
        let mut behind_pause = self.config.pay.retry_backoff_ms.max(1);
        loop {
            attempts += 1;
            if paying && voucher.is_none() {
                voucher = Some(self.next_voucher(channel, service.price).await?);
            }
            let outcome = self
                .attempt(
                    service,
                    req,
                    &url,
                    &key,
                    channel,
                    voucher.as_ref(),
                    &mut gateway_margin,
                )
                .await;
            match outcome {
                Ok(Outcome::Done(mut paid)) => {
                    paid.attempts = attempts;
                    return Ok(*paid);
                }
                Ok(Outcome::Again(said)) => {
                    fixes += 1;
                    if fixes > 4 {
                        return Err(AgentError::Protocol {
                            service_id: service.id,
                            reason: format!(
                                "the gateway keeps asking for payment after 4 fixes (last: {said})"
                            ),
                        });
                    }
                    paying = true;
                    voucher = None;
                    // The channel may have changed (closed, topped up…).
                    channel = self.channel_for(service, gateway_margin).await?;
                    attempts -= 1;
                }
                Ok(Outcome::Overtaken(said)) => {
                    // Each loss means another call of this channel was served: bounded,
                    // but far above the 4 fixes (8+ calls in flight race for each slot).
                    overtaken += 1;
                    if overtaken > MAX_OVERTAKEN {
                        return Err(AgentError::Protocol {
                            service_id: service.id,
                            reason: format!(
                                "overtaken by concurrent calls on channel {channel} {MAX_OVERTAKEN} times (last: {said})"
                            ),
                        });
                    }
                    paying = true;
                    voucher = None;
                    attempts -= 1;
                }
                Ok(Outcome::Behind(reason)) => {
                    // Bounded by the call's timeout: a production chain finalizes in
                    // tens of seconds, a dev node in well under one.
                    if started.elapsed() >= Duration::from_millis(self.config.pay.timeout_ms) {
                        return Err(AgentError::Protocol {
                            service_id: service.id,
                            reason: format!(
                                "the gateway did not catch up with the chain within {} ms ({reason})",
                                self.config.pay.timeout_ms
                            ),
                        });
                    }
                    voucher = None;
                    paying = true;
                    attempts -= 1;
                    tokio::time::sleep(Duration::from_millis(behind_pause)).await;
                    behind_pause = (behind_pause * 2).min(BEHIND_PAUSE_MAX_MS);
                }
                Ok(Outcome::Refunded(reason)) => {
                    voucher = None;
                    if attempts >= self.config.pay.attempts.max(1) {
                        return Err(AgentError::Unreachable {
                            service_id: service.id,
                            endpoint: service.endpoint.clone(),
                            attempts,
                            reason,
                        });
                    }
                    tokio::time::sleep(Duration::from_millis(backoff)).await;
                    backoff = backoff.saturating_mul(2);
                }
                Ok(Outcome::Later(reason)) | Err(AttemptError::Transport(reason)) => {
                    if attempts >= self.config.pay.attempts.max(1) {
                        if let Some(v) = &voucher {
                            // Maybe charged, maybe not: keep it counted until a receipt.
                            self.books_unknown(v.channel_id);
                        }
                        return Err(AgentError::Unreachable {
                            service_id: service.id,
                            endpoint: service.endpoint.clone(),
                            attempts,
                            reason,
                        });
                    }
                    tokio::time::sleep(Duration::from_millis(backoff)).await;
                    backoff = backoff.saturating_mul(2);
                }
                Err(AttemptError::Fatal(e)) => return Err(e),
            }
        }
    }

    /// The voucher for the next call of `price` on `channel`: the last one again if it
    /// covers the call, else a new one (the durable ceiling raised first if needed).
    async fn next_voucher(
        &self,
        channel: ChannelId,
        price: Balance,
    ) -> Result<Voucher, AgentError> {
        let max_ahead = price.saturating_mul(u128::from(self.config.pay.max_ahead_calls.max(1)));
        let deadline =
            std::time::Instant::now() + Duration::from_millis(self.config.pay.timeout_ms);
        loop {
            match self.try_next_voucher(channel, price, max_ahead).await {
                // Calls in flight hold the window: wait for their receipts.
                Err(AgentError::Ledger(LedgerError::AheadLimit { .. }))
                    if std::time::Instant::now() < deadline =>
                {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                other => return other,
            }
        }
    }

    async fn try_next_voucher(
        &self,
        channel: ChannelId,
        price: Balance,
        max_ahead: Balance,
    ) -> Result<Voucher, AgentError> {
        let escrow = self.domain;
        loop {
            let raise = {
                let mut st = lock(&self.state);
                let books = st
                    .books
                    .get_mut(&channel)
                    .ok_or(AgentError::NoChannel(channel))?;
                match books.plan(price, max_ahead)? {
                    Next::Reuse(v) => {
                        books.commit(price, v, None);
                        return Ok(v);
                    }
                    Next::Sign {
                        amount,
                        raise_ceiling: None,
                    } => {
                        // Covered by the durable ceiling: sign (tens of µs) and go.
                        let v = sign_voucher(&self.vouchers, &escrow, channel, amount);
                        books.commit(price, v, None);
                        return Ok(v);
                    }
                    Next::Sign {
                        raise_ceiling: Some(c),
                        ..
                    } => c,
                }
            };
            // Durable before anything above the old ceiling is signed; then plan again
            // (other calls may have moved the books meanwhile).
            self.store.raise_ceiling(channel, raise).await?;
            let mut st = lock(&self.state);
            if let Some(books) = st.books.get_mut(&channel) {
                books.ceiling = books.ceiling.max(raise);
            }
        }
    }

    fn books_unknown(&self, channel: ChannelId) {
        if let Some(b) = lock(&self.state).books.get_mut(&channel) {
            b.unknown();
        }
    }

    fn books_uncharged(&self, channel: ChannelId, price: Balance) {
        if let Some(b) = lock(&self.state).books.get_mut(&channel) {
            b.uncharged(price);
        }
    }

    fn books_sync(&self, status: &ChannelStatus) {
        if let Some(b) = lock(&self.state).books.get_mut(&status.channel_id) {
            b.acknowledge(status.accepted_cumulative, status.spent, false);
            b.set_funds(status.funds);
        }
        let _ = self
            .store
            .note_acked(status.channel_id, status.accepted_cumulative, status.spent);
    }

    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        service: &ServiceInfo,
        req: &CallRequest,
        url: &str,
        key: &str,
        channel: ChannelId,
        voucher: Option<&Voucher>,
        gateway_margin: &mut u64,
    ) -> Result<Outcome, AttemptError> {
        let mut headers = HeaderMap::new();
        for (name, value) in &req.headers {
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|e| {
                AttemptError::Fatal(AgentError::Request(format!("header {name}: {e}")))
            })?;
            let value = HeaderValue::from_str(value).map_err(|e| {
                AttemptError::Fatal(AgentError::Request(format!("header value: {e}")))
            })?;
            headers.insert(name, value);
        }
        let network = gb_protocol::network_id(&self.domain.genesis_hash);
        for (n, v) in [
            header(wire::IDEMPOTENCY_KEY, key)?,
            header(wire::PAYMENT_CHANNEL, &channel.to_string())?,
        ] {
            headers.insert(n, v);
        }
        if let Some(v) = voucher {
            let payload = PaymentPayload::new(network, *v);
            let (n, v) = header(wire::PAYMENT_SIGNATURE, &wire::encode(&payload))?;
            headers.insert(n, v);
        }
        let sent = self
            .http
            .request(req.method.clone(), url)
            .headers(headers)
            .body(req.body.clone())
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => {
                // Not connected: nothing reached the gateway, so nothing was charged
                // — but the retry still sends the same voucher and key.
                return Err(AttemptError::Transport(error_chain(&e)));
            }
        };
        let status = response.status().as_u16();
        if status == 402 {
            return self
                .on_challenge(service, channel, voucher, response, gateway_margin)
                .await;
        }
        let receipt = match response.headers().get(wire::PAYMENT_RESPONSE) {
            Some(h) => Some(
                wire::decode::<wire::PaymentResponse>(h.as_bytes(), wire::MAX_HEADER)
                    .map_err(|e| {
                        AttemptError::Fatal(AgentError::Protocol {
                            service_id: service.id,
                            reason: format!("PAYMENT-RESPONSE: {e}"),
                        })
                    })?
                    .receipt,
            ),
            None => None,
        };
        match (receipt, voucher) {
            (Some(r), Some(v)) => {
                if r.channel_id != channel {
                    return Err(AttemptError::Fatal(AgentError::Protocol {
                        service_id: service.id,
                        reason: format!(
                            "receipt for channel {} on a call paid from {channel}",
                            r.channel_id
                        ),
                    }));
                }
                if let Some(b) = lock(&self.state).books.get_mut(&channel) {
                    b.acknowledge(r.accepted_cumulative, r.spent, true);
                }
                let _ = self
                    .store
                    .note_acked(channel, r.accepted_cumulative, r.spent);
                if r.charged == 0 && !r.replayed && matches!(status, 502 | 504) {
                    // The service failed and the charge was refunded: retry.
                    return Ok(Outcome::Refunded(format!(
                        "{status} from the service (refunded)"
                    )));
                }
                Ok(Outcome::Done(Box::new(Paid {
                    service_id: service.id,
                    channel_id: channel,
                    amount: v.amount,
                    receipt: r,
                    response,
                    attempts: 0,
                })))
            }
            (_, _) => {
                // No receipt: the gateway did not charge (its own problem), or the
                // request was unpaid and not refused (a free endpoint: not ours).
                let problem = problem_of(response).await;
                let kind = problem.kind();
                if let Some(v) = voucher {
                    self.books_uncharged(v.channel_id, service.price);
                }
                match kind {
                    Some(
                        ProblemKind::RateLimited
                        | ProblemKind::StoreUnavailable
                        | ProblemKind::ChainUnavailable
                        | ProblemKind::IdempotencyConflict,
                    ) => {
                        if let Some(v) = voucher {
                            // The retry sends this voucher again: count it again.
                            if let Some(b) = lock(&self.state).books.get_mut(&v.channel_id) {
                                b.commit(service.price, *v, None);
                            }
                        }
                        Ok(Outcome::Later(format!("{status} {}", problem.title)))
                    }
                    _ => Err(AttemptError::Fatal(AgentError::Gateway {
                        service_id: service.id,
                        status,
                        kind,
                        problem: Box::new(problem),
                    })),
                }
            }
        }
    }

    async fn on_challenge(
        &self,
        service: &ServiceInfo,
        channel: ChannelId,
        voucher: Option<&Voucher>,
        response: reqwest::Response,
        gateway_margin: &mut u64,
    ) -> Result<Outcome, AttemptError> {
        let fatal = |e: AgentError| AttemptError::Fatal(e);
        if let Some(v) = voucher {
            // A 402 charges nothing.
            self.books_uncharged(v.channel_id, service.price);
        }
        let challenge: PaymentRequired = match response.headers().get(wire::PAYMENT_REQUIRED) {
            Some(h) => wire::decode(h.as_bytes(), wire::MAX_HEADER).map_err(|e| {
                fatal(AgentError::Protocol {
                    service_id: service.id,
                    reason: format!("PAYMENT-REQUIRED: {e}"),
                })
            })?,
            None => {
                return Err(fatal(AgentError::Protocol {
                    service_id: service.id,
                    reason: "402 without a PAYMENT-REQUIRED challenge".into(),
                }))
            }
        };
        let terms = self.check_terms(service, &challenge).await.map_err(fatal)?;
        lock(&self.state).verified.insert(service.id);
        *gateway_margin = terms.min_expiry_margin_ms;
        if let Some(status) = &terms.channel {
            if status.channel_id != channel {
                return Err(fatal(AgentError::Protocol {
                    service_id: service.id,
                    reason: format!(
                        "challenge describes channel {} for a request naming {channel}",
                        status.channel_id
                    ),
                }));
            }
            self.books_sync(status);
        }
        let problem = problem_of(response).await;
        let kind = problem.kind();
        let said = format!(
            "{}{}",
            problem.title,
            problem
                .detail
                .as_ref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        );
        match kind {
            // Unpaid probe, or the books were behind: pay (again) with fresh books.
            Some(ProblemKind::Unpaid) => Ok(Outcome::Again(said)),
            // Concurrent calls on the channel overtook this one: sign at least what the
            // gateway now requires (not a fix of the channel: counted apart).
            Some(ProblemKind::StaleAmount) => {
                let required = problem
                    .required_cumulative
                    .or(terms.channel.as_ref().map(|s| s.required_cumulative));
                if let Some(required) = required {
                    if let Some(b) = lock(&self.state).books.get_mut(&channel) {
                        b.gateway_requires(required, service.price);
                    }
                }
                Ok(Outcome::Overtaken(said))
            }
            None if voucher.is_none() => Ok(Outcome::Again(said)),
            Some(ProblemKind::InsufficientFunds) => {
                // The chain first: a top-up the gateway has not seen yet is not repeated.
                let on_chain = self.chain_channel(channel).await.map_err(fatal)?;
                let required = terms
                    .channel
                    .as_ref()
                    .map_or(service.price, |s| s.required_cumulative);
                if gateway_behind(terms.channel.as_ref(), &on_chain, required, 0) {
                    return Ok(Outcome::Behind(said));
                }
                let size = service
                    .price
                    .saturating_mul(u128::from(self.config.channels.calls_per_channel.max(1)));
                self.top_up(channel, size).await.map_err(fatal)?;
                Ok(Outcome::Again(said))
            }
            Some(ProblemKind::ChannelExpiring) => {
                let on_chain = self.chain_channel(channel).await.map_err(fatal)?;
                let now = self.now().await.map_err(fatal)?;
                let wanted = now.saturating_add(terms.min_expiry_margin_ms);
                if gateway_behind(terms.channel.as_ref(), &on_chain, 0, wanted) {
                    return Ok(Outcome::Behind(said));
                }
                self.extend(
                    channel,
                    now.saturating_add(self.config.channels.duration_ms),
                )
                .await
                .map_err(fatal)?;
                Ok(Outcome::Again(said))
            }
            Some(ProblemKind::ChannelNotFound) => {
                // Opened on chain but not yet seen by the gateway: wait for it.
                match self.chain_channel(channel).await.map_err(fatal)? {
                    Some(c) if c.open => Ok(Outcome::Behind(said)),
                    Some(_) => Ok(Outcome::Again(said)),
                    None => Err(fatal(AgentError::NoChannel(channel))),
                }
            }
            Some(ProblemKind::ChannelClosed) => {
                // Read it back from the chain: a closed channel is not used again.
                self.refresh_channel(channel).await.map_err(fatal)?;
                Ok(Outcome::Again(said))
            }
            _ => Err(fatal(AgentError::Gateway {
                service_id: service.id,
                status: 402,
                kind,
                problem: Box::new(problem),
            })),
        }
    }

    /// Checks a challenge against the service's registry entry and the deployment;
    /// reads the registry again once if they differ (a price or payee change).
    async fn check_terms(
        &self,
        service: &ServiceInfo,
        challenge: &PaymentRequired,
    ) -> Result<wire::BatchSettlementExtra, AgentError> {
        match self.terms_against(service, challenge) {
            Ok(t) => Ok(t),
            Err(_) => {
                let fresh = self.service(service.id).await?;
                self.terms_against(&fresh, challenge)
            }
        }
    }

    fn terms_against(
        &self,
        service: &ServiceInfo,
        challenge: &PaymentRequired,
    ) -> Result<wire::BatchSettlementExtra, AgentError> {
        // The connected chain (`Agent::new` checked that the deployment file and
        // escrow are for it): a challenge naming another chain is an impostor's.
        let scheme = wire::SignerScheme::of(&crate::agent::signer_of(&self.vouchers));
        verify_terms(
            service,
            &self.domain.escrow,
            &gb_protocol::network::genesis_hex(&self.domain.genesis_hash),
            scheme,
            challenge,
        )
    }
}

/// Checks a challenge against the service's registry entry (`service`), this
/// deployment's escrow and chain, and the client's signer scheme: the first field that
/// differs makes it an impostor's.
pub fn verify_terms(
    service: &ServiceInfo,
    escrow: &[u8; 32],
    genesis: &str,
    scheme: wire::SignerScheme,
    challenge: &PaymentRequired,
) -> Result<wire::BatchSettlementExtra, AgentError> {
    let impostor = |field: &'static str, got: String, expected: String, from: &'static str| {
        AgentError::Impostor {
            service_id: service.id,
            endpoint: service.endpoint.clone(),
            field,
            got,
            expected,
            expected_from: from,
        }
    };
    let hex = |a: &[u8; 32]| format!("0x{}", hex::encode(a));
    let req = challenge.batch_settlement().ok_or_else(|| {
        impostor(
            "scheme",
            challenge
                .accepts
                .iter()
                .map(|r| r.scheme.clone())
                .collect::<Vec<_>>()
                .join(","),
            wire::SCHEME.into(),
            "the protocol",
        )
    })?;
    if !wire::network_matches(&req.network, &req.extra.genesis_hash, genesis) {
        return Err(impostor(
            "network",
            req.network.clone(),
            wire::network_of(genesis),
            "the chain this agent is connected to",
        ));
    }
    if req.extra.escrow.0 != *escrow {
        return Err(impostor(
            "escrow",
            hex(&req.extra.escrow.0),
            hex(escrow),
            "the deployment file",
        ));
    }
    if req.extra.service_id != service.id {
        return Err(impostor(
            "serviceId",
            req.extra.service_id.to_string(),
            service.id.to_string(),
            "the registry",
        ));
    }
    for (field, got) in [("payee", &req.extra.payee), ("payTo", &req.pay_to)] {
        if got.0 != service.payee.0 {
            return Err(impostor(
                field,
                hex(&got.0),
                hex(&service.payee.0),
                "the registry",
            ));
        }
    }
    if req.amount > service.price || req.extra.price > service.price {
        return Err(impostor(
            "price",
            req.amount.max(req.extra.price).to_string(),
            service.price.to_string(),
            "the registry",
        ));
    }
    if req.extra.voucher_version != wire::VOUCHER_VERSION {
        return Err(impostor(
            "voucherVersion",
            req.extra.voucher_version.to_string(),
            wire::VOUCHER_VERSION.to_string(),
            "this client",
        ));
    }
    if !req.extra.signer_schemes.contains(&scheme) {
        return Err(impostor(
            "signerSchemes",
            format!("{:?}", req.extra.signer_schemes),
            format!("{scheme:?}"),
            "this client's voucher key",
        ));
    }
    Ok(req.extra.clone())
}

enum AttemptError {
    /// Retry with the same voucher and key.
    Transport(String),
    Fatal(AgentError),
}

impl From<AgentError> for AttemptError {
    fn from(e: AgentError) -> Self {
        AttemptError::Fatal(e)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// The problem document of a refused request.
async fn problem_of(response: reqwest::Response) -> Problem {
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap_or_default();
    wire::problem_from(status, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{Evidence, ServiceInfo};
    use gb_protocol::{Account, BatchSettlementExtra, PaymentRequirements, Resource};

    fn seen(funds: Balance, expiry: u64) -> ChannelStatus {
        ChannelStatus {
            channel_id: 1,
            accepted_cumulative: 0,
            spent: 0,
            required_cumulative: 0,
            funds,
            claimed_on_chain: 0,
            expiry,
            open: true,
        }
    }

    fn chain(funds: Balance, expiry: u64, open: bool) -> Option<ChainFacts> {
        Some(ChainFacts {
            funds,
            expiry,
            open,
        })
    }

    #[test]
    fn a_top_up_the_gateway_has_not_seen_is_waited_for_not_repeated() {
        // The gateway saw 160, the chain holds 320 and the call needs 168: wait.
        assert!(gateway_behind(
            Some(&seen(160, 0)),
            &chain(320, 0, true),
            168,
            0
        ));
        // The chain holds no more than the gateway saw: top up.
        assert!(!gateway_behind(
            Some(&seen(160, 0)),
            &chain(160, 0, true),
            168,
            0
        ));
        // More on chain, but still not enough for the call: top up.
        assert!(!gateway_behind(
            Some(&seen(160, 0)),
            &chain(165, 0, true),
            168,
            0
        ));
    }

    #[test]
    fn an_extension_the_gateway_has_not_seen_is_waited_for_not_repeated() {
        assert!(gateway_behind(
            Some(&seen(0, 1_000)),
            &chain(0, 9_000, true),
            0,
            5_000
        ));
        // The chain's expiry is not past what the gateway wants: extend.
        assert!(!gateway_behind(
            Some(&seen(0, 1_000)),
            &chain(0, 4_000, true),
            0,
            5_000
        ));
        // The gateway already saw that expiry: its refusal stands.
        assert!(!gateway_behind(
            Some(&seen(0, 9_000)),
            &chain(0, 9_000, true),
            0,
            5_000
        ));
    }

    #[test]
    fn a_closed_or_unknown_channel_or_a_refusal_without_a_status_is_taken_at_its_word() {
        assert!(!gateway_behind(
            Some(&seen(160, 0)),
            &chain(320, 0, false),
            168,
            0
        ));
        assert!(!gateway_behind(Some(&seen(160, 0)), &None, 168, 0));
        assert!(!gateway_behind(None, &chain(320, 0, true), 168, 0));
    }

    const G: &str = "0x1111111111111111111111111111111111111111111111111111111111111111";
    const ESCROW: [u8; 32] = [2; 32];

    fn service() -> ServiceInfo {
        ServiceInfo {
            id: 7,
            name: "x".into(),
            org_id: "o".into(),
            price: 100,
            payee: gb_chain::AccountId([3; 32]),
            endpoint: "http://127.0.0.1:9".into(),
            metadata_uri: String::new(),
            tags: vec![],
            active: true,
            score: 0,
            evidence: Evidence {
                n: 0,
                rating_mean: 0,
                fulfillment: 0,
                quality: 0,
                lcb: 0,
            },
        }
    }

    fn honest() -> PaymentRequired {
        PaymentRequired {
            x402_version: 2,
            error: None,
            resource: Resource {
                url: "/".into(),
                description: None,
                mime_type: None,
            },
            accepts: vec![PaymentRequirements {
                scheme: wire::SCHEME.into(),
                network: wire::network_of(G),
                amount: 100,
                asset: "native".into(),
                pay_to: Account([3; 32]),
                max_timeout_seconds: 60,
                extra: BatchSettlementExtra {
                    escrow: Account(ESCROW),
                    service_id: 7,
                    payee: Account([3; 32]),
                    price: 100,
                    voucher_version: wire::VOUCHER_VERSION,
                    signer_schemes: vec![wire::SignerScheme::Sr25519],
                    min_expiry_margin_ms: 0,
                    min_deposit: 0,
                    genesis_hash: G.into(),
                    channel: None,
                },
            }],
        }
    }

    fn field_of(c: &PaymentRequired) -> Option<&'static str> {
        match verify_terms(&service(), &ESCROW, G, wire::SignerScheme::Sr25519, c) {
            Ok(_) => None,
            Err(AgentError::Impostor { field, .. }) => Some(field),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn honest_terms_pass_and_each_lie_is_named() {
        assert_eq!(field_of(&honest()), None);
        type Lie = fn(&mut PaymentRequirements);
        let cases: [(&str, Lie); 10] = [
            ("scheme", |r| r.scheme = "exact".into()),
            ("network", |r| {
                r.network = "polkadot:22222222222222222222222222222222".into()
            }),
            ("network", |r| r.extra.genesis_hash = G.replace('1', "2")),
            ("escrow", |r| r.extra.escrow = Account([9; 32])),
            ("serviceId", |r| r.extra.service_id = 8),
            ("payee", |r| r.extra.payee = Account([9; 32])),
            ("payTo", |r| r.pay_to = Account([9; 32])),
            ("price", |r| r.amount = 101),
            // A gateway of the superseded voucher v1 (no chain in the signed bytes).
            ("voucherVersion", |r| r.extra.voucher_version = 1),
            ("signerSchemes", |r| {
                r.extra.signer_schemes = vec![wire::SignerScheme::Ecdsa]
            }),
        ];
        for (field, lie) in cases {
            let mut c = honest();
            lie(&mut c.accepts[0]);
            assert_eq!(field_of(&c), Some(field), "{field}");
        }
    }

    #[test]
    fn a_lower_price_than_the_registry_is_fine() {
        let mut c = honest();
        c.accepts[0].amount = 50;
        c.accepts[0].extra.price = 50;
        assert_eq!(field_of(&c), None);
    }
}
