//! One channel as the gateway knows it: the chain's facts, the ledger (`accepted`,
//! `spent`, what is in flight to the store) and the acceptance rules, as plain
//! functions of that state (no I/O; the unit tests drive them directly).
//!
//! The state sits behind a short mutex ([`ChannelEntry`]); nothing holds it across an
//! await: a request reserves its charge and hands the write to the group-commit writer
//! under the lock (so that the store sees the charges in the order they were checked),
//! then waits for durability without it.

use crate::terms::Terms;
use gb_interfaces::{Balance, ChannelId, Signer};
use std::sync::{Mutex, MutexGuard};

/// The chain's facts about a channel (escrow's `Channel`, accounts as raw bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnChain {
    pub client: [u8; 32],
    pub payee: [u8; 32],
    pub service_id: u64,
    pub signer: Signer,
    pub funds: Balance,
    pub claimed: Balance,
    pub expiry: u64,
    pub open: bool,
}

impl From<&gb_client::Channel> for OnChain {
    fn from(c: &gb_client::Channel) -> Self {
        OnChain {
            client: *AsRef::<[u8; 32]>::as_ref(&c.client),
            payee: *AsRef::<[u8; 32]>::as_ref(&c.payee),
            service_id: c.service_id,
            signer: c.signer,
            funds: c.funds,
            claimed: c.claimed,
            expiry: c.expiry,
            open: c.state == gb_interfaces::ChannelState::Open,
        }
    }
}

/// Why a voucher is refused by the rules (before any write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Closed or refunded.
    Closed,
    /// Pays another payee, or is for another service.
    WrongService,
    /// Expires within the margin.
    Expiring { expiry: u64 },
    /// Funds below the minimum deposit.
    BelowMinDeposit { funds: Balance, min: Balance },
    /// The signature does not verify.
    InvalidSignature,
    /// The amount is above the funds.
    AmountAboveFunds { amount: Balance, funds: Balance },
    /// The funds cannot pay for another call.
    Exhausted { funds: Balance, required: Balance },
    /// `max(accepted, amount) < spent + in flight + price`.
    Stale { amount: Balance, required: Balance },
    /// The channel's rate limit; retry after this many ms.
    RateLimited { retry_after_ms: u64 },
}

/// A token bucket: `rate` per second, bursts of `2 × rate`; rate 0 never limits.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    tokens: f64,
    at_ms: u64,
}

impl TokenBucket {
    pub fn new(rate_per_sec: u32) -> Self {
        TokenBucket {
            rate: rate_per_sec as f64,
            tokens: 2.0 * rate_per_sec as f64,
            at_ms: 0,
        }
    }

    fn refill(&mut self, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.at_ms) as f64 / 1000.0;
        self.tokens = (self.tokens + elapsed * self.rate).min(2.0 * self.rate);
        self.at_ms = self.at_ms.max(now_ms);
    }

    /// Ok if a call may go now; else how long until one may (ms). Takes nothing.
    pub fn check(&mut self, now_ms: u64) -> Result<(), u64> {
        if self.rate == 0.0 {
            return Ok(());
        }
        self.refill(now_ms);
        if self.tokens >= 1.0 {
            Ok(())
        } else {
            Err((((1.0 - self.tokens) / self.rate) * 1000.0).ceil() as u64)
        }
    }

    /// Takes one token (after a successful [`TokenBucket::check`]).
    pub fn take(&mut self) {
        if self.rate != 0.0 {
            self.tokens -= 1.0;
        }
    }
}

/// A channel's state.
#[derive(Debug, Clone)]
pub struct ChannelState {
    pub chain: OnChain,
    /// False once the chain's facts may be stale (after a restart, or a gap in the
    /// event stream): re-read before the next voucher.
    pub chain_fresh: bool,
    /// False after a failed commit: reload the ledger from the store before the next
    /// voucher.
    pub ledger_fresh: bool,
    /// The highest amount of a verified voucher: durable, or on its way to the store.
    pub accepted: Balance,
    /// Charged in total: durable, plus what is in flight.
    pub spent: Balance,
    /// Charges handed to the writer and not yet applied.
    pub inflight: Balance,
    /// The highest durable voucher amount (its signature is in the store, where the
    /// claimer reads it).
    pub durable_accepted: Balance,
    pub bucket: TokenBucket,
}

/// What the challenge and problems show of a channel.
#[derive(Debug, Clone)]
pub struct ChannelView {
    pub chain: OnChain,
    pub durable_accepted: Balance,
    pub spent: Balance,
}

/// The durable ledger values a store returns after a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedgerValues {
    pub accepted: Balance,
    pub spent: Balance,
}

impl ChannelState {
    /// A channel first seen on chain, with the ledger the store has for it.
    pub fn new(chain: OnChain, ledger: LedgerValues, rate: u32) -> Self {
        ChannelState {
            chain,
            chain_fresh: true,
            ledger_fresh: true,
            accepted: ledger.accepted,
            spent: ledger.spent,
            inflight: 0,
            durable_accepted: ledger.accepted,
            bucket: TokenBucket::new(rate),
        }
    }

    pub fn view(&self) -> ChannelView {
        ChannelView {
            chain: self.chain.clone(),
            durable_accepted: self.durable_accepted,
            spent: self.spent,
        }
    }

    /// What the next voucher must reach.
    pub fn required(&self, price: Balance) -> Balance {
        self.spent.saturating_add(price)
    }

    /// Takes the store's values after a write of this channel was applied; `charge` is
    /// the price that write had reserved (0 for writes that reserved nothing).
    pub fn settle(&mut self, charge: Balance, durable: LedgerValues) {
        self.inflight = self.inflight.saturating_sub(charge);
        self.spent = durable.spent.saturating_add(self.inflight);
        self.durable_accepted = self.durable_accepted.max(durable.accepted);
        self.accepted = self.accepted.max(durable.accepted);
    }

    /// A write of this channel failed: undo its reservation; reload before the next
    /// voucher (the optimistic `accepted` may hold an amount that is not durable).
    pub fn fail(&mut self, charge: Balance) {
        self.inflight = self.inflight.saturating_sub(charge);
        self.spent = self.spent.saturating_sub(charge);
        self.ledger_fresh = false;
    }

    /// Replaces the ledger with the store's (a reload), keeping what is in flight.
    pub fn reload(&mut self, durable: LedgerValues) {
        self.durable_accepted = durable.accepted;
        self.accepted = durable.accepted;
        self.spent = durable.spent.saturating_add(self.inflight);
        self.ledger_fresh = true;
    }
}

/// The checks that need no signature and no ledger: the channel is open, for this
/// service and payee, not about to expire, funded at least with the minimum deposit.
pub fn check_channel(c: &OnChain, terms: &Terms, now_ms: u64) -> Result<(), Refusal> {
    if !c.open {
        return Err(Refusal::Closed);
    }
    if c.payee != terms.payee || c.service_id != terms.service_id {
        return Err(Refusal::WrongService);
    }
    if c.expiry <= now_ms.saturating_add(terms.min_expiry_margin_ms) {
        return Err(Refusal::Expiring { expiry: c.expiry });
    }
    if c.funds < terms.min_deposit {
        return Err(Refusal::BelowMinDeposit {
            funds: c.funds,
            min: terms.min_deposit,
        });
    }
    Ok(())
}

/// The ledger rules, after the signature of a voucher of `amount` verified: the
/// channel checks again (its facts may have changed meanwhile), `amount ≤ funds`, the
/// funds can pay one more call, `max(accepted, amount) ≥ spent + in flight + price`,
/// and the rate limit. On success the charge is reserved: `accepted` rises to the
/// amount if higher, `spent` and `inflight` grow by the price.
pub fn reserve(
    s: &mut ChannelState,
    terms: &Terms,
    amount: Balance,
    now_ms: u64,
) -> Result<(), Refusal> {
    check_channel(&s.chain, terms, now_ms)?;
    let funds = s.chain.funds;
    if amount > funds {
        return Err(Refusal::AmountAboveFunds { amount, funds });
    }
    let required = s.required(terms.price);
    if required > funds {
        return Err(Refusal::Exhausted { funds, required });
    }
    if s.accepted.max(amount) < required {
        return Err(Refusal::Stale { amount, required });
    }
    s.bucket
        .check(now_ms)
        .map_err(|retry_after_ms| Refusal::RateLimited { retry_after_ms })?;
    s.bucket.take();
    s.accepted = s.accepted.max(amount);
    s.spent = required;
    s.inflight = s.inflight.saturating_add(terms.price);
    Ok(())
}

/// A channel in the cache.
#[derive(Debug)]
pub struct ChannelEntry {
    pub id: ChannelId,
    state: Mutex<ChannelState>,
}

impl ChannelEntry {
    pub fn new(id: ChannelId, state: ChannelState) -> Self {
        ChannelEntry {
            id,
            state: Mutex::new(state),
        }
    }

    /// The state; held for microseconds, never across an await.
    pub fn lock(&self) -> MutexGuard<'_, ChannelState> {
        // A panic while holding it cannot leave a half-applied rule (each rule
        // checks before it changes anything); keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gb_protocol::{IdempotencyTerms, SignerScheme};

    const PRICE: u128 = 10;
    const NOW: u64 = 1_000_000;

    fn terms() -> Terms {
        Terms {
            escrow: [1; 32],
            genesis: [2; 32],
            network: "polkadot:02".into(),
            service_id: 5,
            payee: [3; 32],
            price: PRICE,
            min_deposit: 50,
            min_expiry_margin_ms: 1_000,
            max_timeout_seconds: 60,
            description: None,
            free_paths: vec![],
            idempotency: IdempotencyTerms {
                ttl_seconds: 1,
                max_stored_response_bytes: 1,
            },
            signer_schemes: vec![SignerScheme::Sr25519, SignerScheme::Ecdsa],
        }
    }

    fn chain() -> OnChain {
        OnChain {
            client: [9; 32],
            payee: [3; 32],
            service_id: 5,
            signer: Signer::Sr25519([4; 32]),
            funds: 100,
            claimed: 0,
            expiry: NOW + 10_000,
            open: true,
        }
    }

    fn state(accepted: u128, spent: u128) -> ChannelState {
        ChannelState::new(chain(), LedgerValues { accepted, spent }, 0)
    }

    #[test]
    fn an_open_channel_for_this_service_and_payee_with_time_and_funds_passes() {
        assert_eq!(check_channel(&chain(), &terms(), NOW), Ok(()));
    }

    #[test]
    fn a_closed_channel_is_refused() {
        let c = OnChain {
            open: false,
            ..chain()
        };
        assert_eq!(check_channel(&c, &terms(), NOW), Err(Refusal::Closed));
    }

    #[test]
    fn a_channel_for_another_payee_or_service_is_refused() {
        let c = OnChain {
            payee: [8; 32],
            ..chain()
        };
        assert_eq!(check_channel(&c, &terms(), NOW), Err(Refusal::WrongService));
        let c = OnChain {
            service_id: 6,
            ..chain()
        };
        assert_eq!(check_channel(&c, &terms(), NOW), Err(Refusal::WrongService));
    }

    #[test]
    fn a_channel_expiring_within_the_margin_is_refused_and_just_outside_passes() {
        let t = terms();
        let c = OnChain {
            expiry: NOW + t.min_expiry_margin_ms,
            ..chain()
        };
        assert_eq!(
            check_channel(&c, &t, NOW),
            Err(Refusal::Expiring { expiry: c.expiry })
        );
        let c = OnChain {
            expiry: NOW + t.min_expiry_margin_ms + 1,
            ..chain()
        };
        assert_eq!(check_channel(&c, &t, NOW), Ok(()));
    }

    #[test]
    fn a_channel_below_the_minimum_deposit_is_refused() {
        let c = OnChain {
            funds: 49,
            ..chain()
        };
        assert_eq!(
            check_channel(&c, &terms(), NOW),
            Err(Refusal::BelowMinDeposit { funds: 49, min: 50 })
        );
    }

    #[test]
    fn a_voucher_of_exactly_spent_plus_price_is_charged_once() {
        let mut s = state(20, 20);
        assert_eq!(reserve(&mut s, &terms(), 30, NOW), Ok(()));
        assert_eq!((s.accepted, s.spent, s.inflight), (30, 30, PRICE));
    }

    #[test]
    fn paying_ahead_leaves_credit_that_later_calls_use_with_an_older_voucher() {
        let mut s = state(0, 0);
        reserve(&mut s, &terms(), 50, NOW).unwrap();
        assert_eq!((s.accepted, s.spent), (50, 10));
        // The same voucher again pays for the next four calls ...
        for spent in [20, 30, 40, 50] {
            reserve(&mut s, &terms(), 50, NOW).unwrap();
            assert_eq!(s.spent, spent);
        }
        // ... and not a fifth.
        assert_eq!(
            reserve(&mut s, &terms(), 50, NOW),
            Err(Refusal::Stale {
                amount: 50,
                required: 60
            })
        );
        assert_eq!(s.spent, 50, "a refusal changes nothing");
    }

    #[test]
    fn out_of_order_concurrent_vouchers_are_all_served() {
        // Three calls in flight signed 10, 20, 30 arrive as 30, 10, 20.
        let mut s = state(0, 0);
        for amount in [30, 10, 20] {
            assert_eq!(reserve(&mut s, &terms(), amount, NOW), Ok(()), "{amount}");
        }
        assert_eq!((s.accepted, s.spent, s.inflight), (30, 30, 30));
    }

    #[test]
    fn a_stale_amount_is_refused_with_what_to_sign() {
        let mut s = state(20, 20);
        assert_eq!(
            reserve(&mut s, &terms(), 20, NOW),
            Err(Refusal::Stale {
                amount: 20,
                required: 30
            })
        );
        assert_eq!((s.accepted, s.spent, s.inflight), (20, 20, 0));
    }

    #[test]
    fn an_amount_above_the_funds_is_refused_even_if_it_covers_the_call() {
        let mut s = state(0, 0);
        assert_eq!(
            reserve(&mut s, &terms(), 101, NOW),
            Err(Refusal::AmountAboveFunds {
                amount: 101,
                funds: 100
            })
        );
    }

    #[test]
    fn a_channel_whose_funds_cannot_pay_another_call_is_exhausted() {
        let mut s = state(100, 95);
        assert_eq!(
            reserve(&mut s, &terms(), 100, NOW),
            Err(Refusal::Exhausted {
                funds: 100,
                required: 105
            })
        );
    }

    #[test]
    fn reserve_checks_the_channel_again() {
        let mut s = state(0, 0);
        s.chain.open = false;
        assert_eq!(reserve(&mut s, &terms(), 10, NOW), Err(Refusal::Closed));
    }

    #[test]
    fn the_rate_limit_refuses_beyond_the_burst_and_refills() {
        let mut s = ChannelState::new(chain(), LedgerValues::default(), 2);
        let t = Terms {
            price: 1,
            ..terms()
        };
        for i in 1..=4 {
            assert_eq!(reserve(&mut s, &t, i, NOW), Ok(()), "burst of 2 × 2");
        }
        assert_eq!(
            reserve(&mut s, &t, 5, NOW),
            Err(Refusal::RateLimited {
                retry_after_ms: 500
            })
        );
        assert_eq!(s.spent, 4, "a limited call is not charged");
        assert_eq!(reserve(&mut s, &t, 5, NOW + 500), Ok(()));
    }

    #[test]
    fn settle_takes_the_durable_values_and_keeps_what_is_still_in_flight() {
        let mut s = state(0, 0);
        reserve(&mut s, &terms(), 10, NOW).unwrap();
        reserve(&mut s, &terms(), 20, NOW).unwrap();
        s.settle(
            PRICE,
            LedgerValues {
                accepted: 10,
                spent: 10,
            },
        );
        assert_eq!(
            (s.durable_accepted, s.spent, s.inflight, s.accepted),
            (10, 20, 10, 20)
        );
        s.settle(
            PRICE,
            LedgerValues {
                accepted: 20,
                spent: 20,
            },
        );
        assert_eq!((s.durable_accepted, s.spent, s.inflight), (20, 20, 0));
    }

    #[test]
    fn a_failed_write_undoes_its_charge_and_asks_for_a_reload() {
        let mut s = state(0, 0);
        reserve(&mut s, &terms(), 10, NOW).unwrap();
        s.fail(PRICE);
        assert_eq!((s.spent, s.inflight, s.ledger_fresh), (0, 0, false));
        s.reload(LedgerValues {
            accepted: 0,
            spent: 0,
        });
        assert!(s.ledger_fresh);
        assert_eq!(
            s.accepted, 0,
            "the amount that did not become durable is gone"
        );
    }
}
