//! The pay gate: decides whether a request is served, and charges it durably before
//! it is forwarded (docs/payment-protocol.md §5.2 is the rule list, in order).
//!
//! 1. the payment header decodes and names this scheme and chain;
//! 2. the channel (cache; one chain read on first sight) is open, for this service
//!    and payee, not about to expire, funded at least with the minimum deposit;
//! 3. the signature verifies (every voucher presented, even one not above `accepted`);
//! 4. under the channel's lock (microseconds): `amount ≤ funds`, the rate limit, and
//!    `max(accepted, amount) ≥ spent + in flight + price`; the charge is reserved and
//!    handed to the group-commit writer;
//! 5. without any lock: wait until the write is durable. A store error is a `503` and
//!    nothing is forwarded.

use crate::channel::{check_channel, reserve, ChannelEntry, LedgerValues, Refusal};
use crate::channels::{ChannelCache, LookupError};
use crate::clock::ChainClock;
use crate::metrics::Metrics;
use crate::signature;
use crate::store::{ChargeResult, KeyState, NewKey, Op, Outcome, StoreError, StoredResponse};
use crate::terms::Terms;
use crate::writer::Writer;
use gb_interfaces::{Balance, ChannelId};
use gb_protocol::headers::{self, HeaderError, MAX_PAYMENT_SIGNATURE_LEN};
use gb_protocol::{
    network, Account, ChannelStatus, IdempotencyState, PaymentPayload, PaymentRequired,
    PaymentResponse, Problem, ProblemKind, Receipt, SCHEME, X402_VERSION,
};
use http::{HeaderMap, Method, Uri};
use std::sync::{Arc, RwLock};

/// A request the gate refused: the problem, and the challenge for `402`s.
#[derive(Debug)]
pub struct Refused {
    pub problem: Problem,
    pub challenge: Option<PaymentRequired>,
}

/// A request the gate let through.
#[derive(Debug)]
pub enum Decision {
    /// Forward it: it is paid (durably).
    Forward(Ticket),
    /// Answer with the stored response of the key's earlier call (not forwarded, not
    /// charged).
    Replay {
        response: StoredResponse,
        receipt: PaymentResponse,
    },
}

/// A paid call on its way to the service.
#[derive(Debug)]
pub struct Ticket {
    pub entry: Arc<ChannelEntry>,
    pub channel: ChannelId,
    /// What the call is charged (the price; the earlier charge when resumed).
    pub charged: Balance,
    /// Forwarded again on an earlier charge (a crash interrupted the first attempt).
    pub resumed: bool,
    pub key: Option<String>,
    /// The channel's durable ledger after the charge.
    pub ledger: LedgerValues,
    /// The channel's client.
    pub payer: [u8; 32],
    pub terms: Arc<Terms>,
}

/// What a refusal needs to know about the request.
struct Ctx<'a> {
    url: &'a str,
    terms: &'a Arc<Terms>,
}

/// The gate.
pub struct Gate {
    terms: RwLock<Arc<Terms>>,
    pub cache: Arc<ChannelCache>,
    writer: Writer,
    clock: Arc<ChainClock>,
    metrics: Metrics,
    /// Other gateways share the store: check a refusal against it first.
    shared_store: bool,
    replica: String,
    max_body: u64,
    key_ttl_ms: u64,
}

impl Gate {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        terms: Terms,
        cache: Arc<ChannelCache>,
        writer: Writer,
        clock: Arc<ChainClock>,
        metrics: Metrics,
        shared_store: bool,
        replica: String,
        max_body: u64,
    ) -> Self {
        let key_ttl_ms = terms.idempotency.ttl_seconds.saturating_mul(1000);
        Gate {
            terms: RwLock::new(Arc::new(terms)),
            cache,
            writer,
            clock,
            metrics,
            shared_store,
            replica,
            max_body,
            key_ttl_ms,
        }
    }

    /// The terms in force.
    pub fn terms(&self) -> Arc<Terms> {
        self.terms.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replaces the terms (the registry changed the price or payee).
    pub fn set_terms(&self, t: Terms) {
        *self.terms.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(t);
    }

    /// The clock the gate judges expiry by.
    pub fn clock(&self) -> &ChainClock {
        &self.clock
    }

    /// The writer.
    pub fn writer(&self) -> &Writer {
        &self.writer
    }

    /// Decides on a request to a paid path.
    pub async fn admit(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<Decision, Refused> {
        let terms = self.terms();
        let url = uri.path_and_query().map_or("/", |p| p.as_str());
        let ctx = Ctx { url, terms: &terms };
        let result = self.decide(&ctx, method, headers).await;
        if let Err(r) = &result {
            let slug = r.problem.kind().map_or("unknown", ProblemKind::slug);
            self.metrics
                .vouchers_rejected
                .with_label_values(&[slug])
                .inc();
        }
        result
    }

    async fn decide(
        &self,
        ctx: &Ctx<'_>,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<Decision, Refused> {
        let terms = ctx.terms;
        let Some(value) = headers.get(headers::PAYMENT_SIGNATURE) else {
            return Err(self.unpaid(ctx, headers).await);
        };
        let payload: PaymentPayload = headers::decode(value.as_bytes(), MAX_PAYMENT_SIGNATURE_LEN)
            .map_err(|e| match e {
                HeaderError::TooLong { len, max } => refuse(
                    ctx,
                    ProblemKind::HeaderTooLarge,
                    format!("PAYMENT-SIGNATURE is {len} bytes; at most {max} are accepted"),
                    None,
                ),
                e => refuse(
                    ctx,
                    ProblemKind::MalformedPayment,
                    format!("PAYMENT-SIGNATURE: {e}"),
                    None,
                ),
            })?;
        self.check_payload(ctx, &payload)?;
        let key = match headers.get(headers::IDEMPOTENCY_KEY) {
            None => None,
            Some(v) => Some(
                headers::check_idempotency_key(v.as_bytes())
                    .map_err(|e| refuse(ctx, ProblemKind::MalformedPayment, e.to_string(), None))?
                    .to_string(),
            ),
        };
        if let Some(len) = content_length(headers) {
            if len > self.max_body {
                return Err(refuse(
                    ctx,
                    ProblemKind::PayloadTooLarge,
                    format!(
                        "the request body is {len} bytes; at most {} are forwarded",
                        self.max_body
                    ),
                    None,
                ));
            }
        }
        let voucher = payload.payload.voucher();
        let id = voucher.channel_id;
        let entry = self
            .cache
            .get(id)
            .await
            .map_err(|e| self.lookup_refusal(ctx, e))?;
        let now = self.clock.now_ms();
        let (chain, status) = {
            let s = entry.lock();
            (s.chain.clone(), terms.status(id, &s.view()))
        };
        check_channel(&chain, terms, now).map_err(|r| self.refusal(ctx, r, status.clone()))?;
        if !signature::verifies(&chain.signer, &terms.voucher_domain(), &voucher) {
            return Err(refuse(
                ctx,
                ProblemKind::InvalidSignature,
                format!(
                    "the signature does not verify for channel {id}'s signer over the voucher v2 (chain {}, escrow {}, channel {id}, amount {}): signed with another key, for another chain, escrow or channel, over another amount, or in the v1 format?",
                    network::genesis_hex(&terms.genesis),
                    Account(terms.escrow),
                    voucher.amount
                ),
                Some(status),
            ));
        }
        let new_key = key.clone().map(|k| NewKey {
            key: k,
            fingerprint: format!("{method} {}", ctx.url),
            expired_before_ms: now.saturating_sub(self.key_ttl_ms),
            replica: self.replica.clone(),
        });
        let op = Op::Charge {
            channel: id,
            amount: voucher.amount,
            signature: voucher.signature,
            price: terms.price,
            key: new_key.clone(),
            at_ms: now,
        };
        // A reservation in memory, or none: then the store alone decides (and the
        // channel is re-read from it afterwards).
        let mut unreserved = false;
        let reply = match self.reserve_and_send(&entry, terms, voucher.amount, now, op.clone()) {
            Ok(reply) => reply,
            // A retry of a call already charged carries the same voucher, which the
            // in-memory rule finds stale; its Idempotency-Key is in the store, which
            // looks keys up before the amount rule (replay, 409, or resume).
            Err(Refusal::Stale { .. }) if key.is_some() => {
                unreserved = true;
                self.writer.send(op, None)
            }
            Err(Refusal::Stale { .. }) if self.shared_store => {
                // Another replica may hold a higher voucher: look in the store first.
                self.cache
                    .reload(&entry)
                    .await
                    .map_err(|e| self.lookup_refusal(ctx, e))?;
                self.reserve_and_send(&entry, terms, voucher.amount, now, op)
                    .map_err(|r| self.refusal(ctx, r, self.status(&entry, terms)))?
            }
            Err(r) => return Err(self.refusal(ctx, r, status)),
        };
        let outcome = reply
            .await
            .unwrap_or(Err(StoreError::Closed))
            .map_err(|e| {
                refuse(
                    ctx,
                    ProblemKind::StoreUnavailable,
                    format!("the voucher could not be made durable ({e}); nothing was charged or forwarded"),
                    None,
                )
                .retry_after(1)
            })?;
        let Outcome::Charge(result, ledger) = outcome else {
            return Err(refuse(
                ctx,
                ProblemKind::StoreUnavailable,
                "unexpected store answer".into(),
                None,
            ));
        };
        if unreserved && matches!(result, ChargeResult::Charged | ChargeResult::Resumed { .. }) {
            // Charged without an in-memory reservation (another replica's voucher in a
            // shared store): the cache takes the store's values.
            self.cache
                .reload(&entry)
                .await
                .map_err(|e| self.lookup_refusal(ctx, e))?;
        }
        let ticket = |charged, resumed| Ticket {
            entry: entry.clone(),
            channel: id,
            charged,
            resumed,
            key: key.clone(),
            ledger,
            payer: chain.client,
            terms: terms.clone(),
        };
        match result {
            ChargeResult::Charged => {
                self.metrics.vouchers_accepted.inc();
                Ok(Decision::Forward(ticket(terms.price, false)))
            }
            ChargeResult::Resumed { charged } => Ok(Decision::Forward(ticket(charged, true))),
            ChargeResult::Stale => {
                let status = self.status(&entry, terms);
                let required = status.required_cumulative;
                Err(self.refusal(
                    ctx,
                    Refusal::Stale {
                        amount: voucher.amount,
                        required,
                    },
                    status,
                ))
            }
            ChargeResult::KeyInUse(rec) => {
                let fingerprint = new_key.map(|k| k.fingerprint).unwrap_or_default();
                let status = self.status(&entry, terms);
                let conflict = |state: IdempotencyState, detail: &str, retry: Option<u64>| {
                    let mut r = refuse(
                        ctx,
                        ProblemKind::IdempotencyConflict,
                        detail.to_string(),
                        Some(status.clone()),
                    );
                    r.problem.idempotency_state = Some(state);
                    if let Some(s) = retry {
                        r = r.retry_after(s);
                    }
                    r
                };
                if rec.fingerprint != fingerprint {
                    return Err(conflict(
                        IdempotencyState::Mismatch,
                        &format!(
                            "this Idempotency-Key was used for `{}` on this channel",
                            rec.fingerprint
                        ),
                        None,
                    ));
                }
                match rec.state {
                    KeyState::InFlight | KeyState::Interrupted => Err(conflict(
                        IdempotencyState::InFlight,
                        "the first call with this Idempotency-Key is still being served",
                        Some(1),
                    )),
                    KeyState::Done(None) => Err(conflict(
                        IdempotencyState::NotRetained,
                        "the call with this Idempotency-Key completed, but its response was too large or streamed to keep; call again with a new key",
                        None,
                    )),
                    KeyState::Done(Some(response)) => {
                        let t = ticket(0, false);
                        let receipt = receipt(&t, 0, true);
                        Ok(Decision::Replay { response, receipt })
                    }
                }
            }
        }
    }

    /// Reserves under the channel's lock and queues the write there (store order =
    /// check order).
    fn reserve_and_send(
        &self,
        entry: &Arc<ChannelEntry>,
        terms: &Terms,
        amount: Balance,
        now: u64,
        op: Op,
    ) -> Result<crate::writer::Reply, Refusal> {
        let mut s = entry.lock();
        reserve(&mut s, terms, amount, now)?;
        Ok(self.writer.send(op, Some((entry.clone(), terms.price))))
    }

    fn status(&self, entry: &ChannelEntry, terms: &Terms) -> ChannelStatus {
        terms.status(entry.id, &entry.lock().view())
    }

    fn check_payload(&self, ctx: &Ctx<'_>, p: &PaymentPayload) -> Result<(), Refused> {
        let terms = ctx.terms;
        if p.x402_version != X402_VERSION {
            return Err(refuse(
                ctx,
                ProblemKind::MalformedPayment,
                format!(
                    "x402Version {} is not supported; use {X402_VERSION}",
                    p.x402_version
                ),
                None,
            ));
        }
        if p.scheme != SCHEME {
            return Err(refuse(
                ctx,
                ProblemKind::UnsupportedScheme,
                format!("scheme `{}` is not supported; use `{SCHEME}`", p.scheme),
                None,
            ));
        }
        if p.network != terms.network {
            return Err(refuse(
                ctx,
                ProblemKind::WrongNetwork,
                format!(
                    "the voucher is for network `{}`; this service is paid on `{}`",
                    p.network, terms.network
                ),
                None,
            ));
        }
        if let Some(a) = &p.accepted {
            if a.network != terms.network {
                return Err(refuse(
                    ctx,
                    ProblemKind::WrongNetwork,
                    format!(
                        "`accepted` names network `{}`; this service is paid on `{}`",
                        a.network, terms.network
                    ),
                    None,
                ));
            }
            if a.extra.escrow.0 != terms.escrow
                || a.pay_to.0 != terms.payee
                || a.extra.payee.0 != terms.payee
            {
                return Err(refuse(
                    ctx,
                    ProblemKind::WrongEscrow,
                    format!(
                        "`accepted` names escrow {} paying {}; this service is paid through escrow {} to {}",
                        a.extra.escrow,
                        a.pay_to,
                        Account(terms.escrow),
                        Account(terms.payee)
                    ),
                    None,
                ));
            }
        }
        Ok(())
    }

    /// The `402` of a request without a voucher, with the named channel's status.
    async fn unpaid(&self, ctx: &Ctx<'_>, headers: &HeaderMap) -> Refused {
        let status = match headers.get(headers::PAYMENT_CHANNEL) {
            None => None,
            Some(v) => match headers::parse_channel(v.as_bytes()) {
                Err(e) => return refuse(ctx, ProblemKind::MalformedPayment, e.to_string(), None),
                Ok(id) => match self.cache.get(id).await {
                    Ok(entry) => Some(self.status(&entry, ctx.terms)),
                    Err(e) => return self.lookup_refusal(ctx, e),
                },
            },
        };
        refuse(
            ctx,
            ProblemKind::Unpaid,
            "no PAYMENT-SIGNATURE header: pay with a voucher of an escrow channel (see PAYMENT-REQUIRED)".into(),
            status,
        )
    }

    fn lookup_refusal(&self, ctx: &Ctx<'_>, e: LookupError) -> Refused {
        match e {
            LookupError::NotFound(id) => refuse(
                ctx,
                ProblemKind::ChannelNotFound,
                format!("escrow has no channel {id}"),
                None,
            ),
            LookupError::Chain { id, source } => {
                tracing::warn!(channel = id, error = %source, "chain read failed");
                refuse(
                    ctx,
                    ProblemKind::ChainUnavailable,
                    format!("channel {id} could not be read from the chain; retry later"),
                    None,
                )
                .retry_after(5)
            }
            LookupError::Store(e) => refuse(
                ctx,
                ProblemKind::StoreUnavailable,
                format!("the payment store is unavailable ({e}); nothing was charged or forwarded"),
                None,
            )
            .retry_after(1),
        }
    }

    fn refusal(&self, ctx: &Ctx<'_>, r: Refusal, status: ChannelStatus) -> Refused {
        let terms = ctx.terms;
        let id = status.channel_id;
        let (kind, detail) = match r {
            Refusal::Closed => (ProblemKind::ChannelClosed, format!("channel {id} is closed")),
            Refusal::WrongService => (
                ProblemKind::WrongService,
                format!(
                    "channel {id} is not for service {} paying {}; open one for it",
                    terms.service_id,
                    Account(terms.payee)
                ),
            ),
            Refusal::Expiring { expiry } => (
                ProblemKind::ChannelExpiring,
                format!(
                    "channel {id} expires at {expiry}, within {} ms of now; extend it",
                    terms.min_expiry_margin_ms
                ),
            ),
            Refusal::BelowMinDeposit { funds, min } => (
                ProblemKind::InsufficientFunds,
                format!("channel {id} holds {funds}, less than the minimum deposit {min}; add funds"),
            ),
            Refusal::InvalidSignature => (ProblemKind::InvalidSignature, "invalid signature".into()),
            Refusal::AmountAboveFunds { amount, funds } => (
                ProblemKind::InsufficientFunds,
                format!("the voucher authorizes {amount}, more than channel {id}'s funds {funds}; add funds first"),
            ),
            Refusal::Exhausted { funds, required } => (
                ProblemKind::InsufficientFunds,
                format!("channel {id}'s funds {funds} cannot pay this call (it needs {required} in total); add funds"),
            ),
            Refusal::Stale { amount, required } => {
                let mut refused = refuse(
                    ctx,
                    ProblemKind::StaleAmount,
                    format!(
                        "the voucher authorizes {amount} in total but this call needs {required} (spent and in flight {} + price {})",
                        required.saturating_sub(terms.price),
                        terms.price
                    ),
                    Some(status),
                );
                refused.problem.required_cumulative = Some(required);
                return refused;
            }
            Refusal::RateLimited { retry_after_ms } => {
                return refuse(
                    ctx,
                    ProblemKind::RateLimited,
                    format!("too many paid calls on channel {id}; retry in {retry_after_ms} ms"),
                    Some(status),
                )
                .retry_after(retry_after_ms.div_ceil(1000).max(1));
            }
        };
        refuse(ctx, kind, detail, Some(status))
    }

    /// Gives the charge of a call that failed upstream back (durably), freeing its key.
    pub async fn refund(&self, t: &Ticket) -> Result<LedgerValues, StoreError> {
        let op = Op::Refund {
            channel: t.channel,
            price: t.charged,
            key: t.key.clone(),
        };
        let reply = self.writer.send(op, Some((t.entry.clone(), 0)));
        self.metrics.refunds.inc();
        match reply.await.unwrap_or(Err(StoreError::Closed))? {
            Outcome::Refunded(values) => Ok(values),
            _ => Err(StoreError::Corrupt("unexpected answer to a refund".into())),
        }
    }

    /// Records that the call of `t`'s key completed (fire and forget).
    pub fn complete(&self, t: &Ticket, response: Option<StoredResponse>) {
        if let Some(key) = &t.key {
            drop(self.writer.send(
                Op::Complete {
                    channel: t.channel,
                    key: key.clone(),
                    response,
                },
                None,
            ));
        }
    }
}

impl Refused {
    fn retry_after(mut self, secs: u64) -> Self {
        self.problem.retry_after_seconds = Some(secs);
        self
    }
}

fn refuse(
    ctx: &Ctx<'_>,
    kind: ProblemKind,
    detail: String,
    channel: Option<ChannelStatus>,
) -> Refused {
    let mut problem = Problem::new(kind, detail.clone());
    problem.instance = Some(ctx.url.to_string());
    problem.channel = channel.clone();
    let challenge = kind
        .carries_challenge()
        .then(|| ctx.terms.challenge(ctx.url, Some(detail), channel));
    Refused { problem, challenge }
}

fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The receipt of a call on `t`'s channel that cost `charged`.
pub fn receipt(t: &Ticket, charged: Balance, replayed: bool) -> PaymentResponse {
    receipt_with(t, t.ledger, charged, replayed)
}

/// The receipt with the ledger values `ledger` (after a refund, say).
pub fn receipt_with(
    t: &Ticket,
    ledger: LedgerValues,
    charged: Balance,
    replayed: bool,
) -> PaymentResponse {
    let (funds, claimed, expiry) = {
        let s = t.entry.lock();
        (s.chain.funds, s.chain.claimed, s.chain.expiry)
    };
    PaymentResponse {
        success: true,
        transaction: String::new(),
        network: t.terms.network.clone(),
        payer: Account(t.payer),
        receipt: Receipt {
            channel_id: t.channel,
            accepted_cumulative: ledger.accepted,
            spent: ledger.spent,
            charged,
            remaining: funds.saturating_sub(ledger.spent),
            required_cumulative: ledger.spent.saturating_add(t.terms.price),
            claimed_on_chain: claimed,
            expiry,
            replayed,
        },
    }
}
