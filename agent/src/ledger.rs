//! The client side of each channel's books: which cumulative amount the next voucher
//! carries, and the one place vouchers are signed ([`sign_voucher`]).
//!
//! Per channel: `signed` (the highest amount signed by this process, or the stored
//! ceiling after a restart), `ceiling` (durable: no voucher above it was ever signed),
//! `acked` (the gateway's accepted cumulative), `spent_view` (the gateway's spent plus
//! this client's calls in flight). A call needs `spent_view + price`; the voucher
//! carries `max(signed, need)` — an amount already signed that covers the call is sent
//! again (no new signature), which is how a restart resumes: it starts at the ceiling,
//! never below a voucher that may have been sent.
//!
//! Rules (each unit-tested):
//! * never sign above `acked + max_ahead` (what a gateway that stops serving can take
//!   without service is bounded by `max_ahead`);
//! * never sign above the channel's funds;
//! * raise the durable ceiling *before* signing above it, to `min(acked + max_ahead,
//!   funds)` — one fsync per `max_ahead / price` calls, not per call.

use gb_chain::Balance;
use gb_interfaces::{ChannelId, Voucher, VoucherDomain};
use gb_voucher::VoucherSigner;

/// The one place vouchers are signed: voucher v2, over `domain` (the chain's genesis
/// hash and the escrow's address), the channel and the cumulative amount.
pub fn sign_voucher<K: VoucherSigner + ?Sized>(
    key: &K,
    domain: &VoucherDomain,
    channel_id: ChannelId,
    amount: Balance,
) -> Voucher {
    gb_voucher::sign(key, domain, channel_id, amount)
}

/// Why no voucher can be made for a call now.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("channel {channel_id}: {need} needed but its funds are {funds}: top it up")]
    NeedsFunds {
        channel_id: ChannelId,
        need: Balance,
        funds: Balance,
    },
    #[error(
        "channel {channel_id}: {need} would be {ahead} ahead of what the gateway \
         acknowledged ({acked}), above the limit {max_ahead}; wait for calls in flight"
    )]
    AheadLimit {
        channel_id: ChannelId,
        need: Balance,
        acked: Balance,
        ahead: Balance,
        max_ahead: Balance,
    },
}

/// One channel's client-side books.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelBooks {
    pub channel_id: ChannelId,
    pub funds: Balance,
    pub ceiling: Balance,
    pub signed: Balance,
    pub acked: Balance,
    pub spent_view: Balance,
    pub in_flight: u32,
    /// The last voucher signed (sent again while it covers the calls).
    pub last: Option<Voucher>,
}

/// What the next call on a channel pays with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// The amount is covered by the last signed voucher: send it again.
    Reuse(Voucher),
    /// Sign `amount`; first raise the durable ceiling to `ceiling` if `Some`.
    Sign {
        amount: Balance,
        raise_ceiling: Option<Balance>,
    },
}

impl ChannelBooks {
    /// Books of a channel loaded from the store: a restart resumes at the ceiling.
    pub fn restored(
        channel_id: ChannelId,
        funds: Balance,
        ceiling: Balance,
        acked: Balance,
        spent: Balance,
    ) -> Self {
        ChannelBooks {
            channel_id,
            funds,
            ceiling,
            signed: ceiling,
            acked,
            spent_view: spent,
            in_flight: 0,
            last: None,
        }
    }

    /// Plans the voucher of a call of `price` (nothing changes until [`Self::commit`]).
    pub fn plan(&self, price: Balance, max_ahead: Balance) -> Result<Next, LedgerError> {
        let need = self.spent_view.saturating_add(price);
        let amount = self.signed.max(need);
        if amount > self.funds {
            return Err(LedgerError::NeedsFunds {
                channel_id: self.channel_id,
                need: amount,
                funds: self.funds,
            });
        }
        if amount == self.signed {
            if let Some(v) = self.last {
                if v.amount == amount {
                    return Ok(Next::Reuse(v));
                }
            }
        }
        // An amount at or below the ceiling was covered by an earlier intent (a
        // restart re-signs it); above it, the ahead limit applies.
        if amount > self.ceiling {
            let ahead = amount.saturating_sub(self.acked);
            if ahead > max_ahead {
                return Err(LedgerError::AheadLimit {
                    channel_id: self.channel_id,
                    need: amount,
                    acked: self.acked,
                    ahead,
                    max_ahead,
                });
            }
            let ceiling = self
                .acked
                .saturating_add(max_ahead)
                .min(self.funds)
                .max(amount);
            return Ok(Next::Sign {
                amount,
                raise_ceiling: Some(ceiling),
            });
        }
        Ok(Next::Sign {
            amount,
            raise_ceiling: None,
        })
    }

    /// Records that a call of `price` is going out with `voucher`.
    pub fn commit(&mut self, price: Balance, voucher: Voucher, raised: Option<Balance>) {
        if let Some(c) = raised {
            self.ceiling = self.ceiling.max(c);
        }
        self.signed = self.signed.max(voucher.amount);
        if self.last.is_none_or(|l| voucher.amount >= l.amount) {
            self.last = Some(voucher);
        }
        self.spent_view = self.spent_view.saturating_add(price);
        self.in_flight = self.in_flight.saturating_add(1);
    }

    /// The gateway's receipt (or a challenge's channel status): `accepted` and `spent`.
    /// With no other call in flight, its `spent` is the truth.
    pub fn acknowledge(&mut self, accepted: Balance, spent: Balance, finished_call: bool) {
        if finished_call {
            self.in_flight = self.in_flight.saturating_sub(1);
        }
        self.acked = self.acked.max(accepted);
        if self.in_flight == 0 {
            self.spent_view = spent;
        }
        // A gateway that accepted more than this process signed (a restart lost the
        // exact amount): never sign below it.
        self.signed = self.signed.max(accepted);
    }

    /// The gateway refused a voucher as stale and needs at least `required` in total for
    /// the next call of `price` (its spent + calls in flight + price): the next voucher
    /// is not planned below it, so a call that lost a race to concurrent calls signs
    /// above them instead of re-sending the highest voucher another call holds.
    pub fn gateway_requires(&mut self, required: Balance, price: Balance) {
        self.spent_view = self.spent_view.max(required.saturating_sub(price));
    }

    /// A call that was not charged (refused before payment or never delivered).
    pub fn uncharged(&mut self, price: Balance) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.spent_view = self.spent_view.saturating_sub(price);
    }

    /// A call whose outcome is unknown (the gateway may have charged it): keep it
    /// counted until a receipt resynchronizes.
    pub fn unknown(&mut self) {
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// Funds added on chain.
    pub fn set_funds(&mut self, funds: Balance) {
        self.funds = self.funds.max(funds);
    }

    /// Funds − what the client has committed: what further calls can use.
    pub fn available(&self) -> Balance {
        self.funds.saturating_sub(self.signed.max(self.spent_view))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gb_voucher::VoucherKey;

    const E: VoucherDomain = VoucherDomain::new([4; 32], [5; 32]);

    fn books() -> ChannelBooks {
        ChannelBooks::restored(1, 1_000, 0, 0, 0)
    }

    fn run(
        b: &mut ChannelBooks,
        key: &VoucherKey,
        price: Balance,
        max_ahead: Balance,
    ) -> Result<Voucher, LedgerError> {
        Ok(match b.plan(price, max_ahead)? {
            Next::Reuse(v) => {
                b.commit(price, v, None);
                v
            }
            Next::Sign {
                amount,
                raise_ceiling,
            } => {
                let v = sign_voucher(key, &E, b.channel_id, amount);
                b.commit(price, v, raise_ceiling);
                v
            }
        })
    }

    #[test]
    fn a_stale_refusal_plans_the_next_voucher_at_the_gateways_requirement() {
        let key = VoucherKey::sr25519("//Alice").unwrap();
        let mut b = books();
        // Three calls in flight: vouchers 10, 20, 30. The gateway served 20 and 30 first
        // and refuses 10 (it needs 40: spent and in flight 30 + price 10).
        for _ in 0..3 {
            run(&mut b, &key, 10, 1_000).unwrap();
        }
        b.uncharged(10);
        b.acknowledge(30, 30, false);
        // Without the gateway's figure the books would re-send the highest voucher (30).
        assert_eq!(b.plan(10, 1_000).unwrap(), Next::Reuse(b.last.unwrap()));
        b.gateway_requires(40, 10);
        assert!(matches!(
            b.plan(10, 1_000).unwrap(),
            Next::Sign { amount: 40, .. }
        ));
    }

    #[test]
    fn sequential_calls_sign_the_cumulative_price_and_raise_the_ceiling_in_blocks() {
        let key = VoucherKey::sr25519("//Alice").unwrap();
        let mut b = books();
        let mut raises = 0;
        for i in 1..=10u128 {
            if let Next::Sign {
                raise_ceiling: Some(_),
                ..
            } = b.plan(10, 40).unwrap()
            {
                raises += 1;
            }
            let v = run(&mut b, &key, 10, 40).unwrap();
            assert_eq!(v.amount, 10 * i);
            assert_eq!(gb_voucher::verify(&key_signer(&key), &E, &v), Ok(()));
            b.acknowledge(v.amount, v.amount, true);
        }
        // Ceiling 40, then 80, then 120 (acked + 40 each time it is passed).
        assert_eq!(raises, 3);
        assert_eq!(b.ceiling, 120);
    }

    fn key_signer(k: &VoucherKey) -> gb_interfaces::Signer {
        gb_voucher::VoucherSigner::signer(k)
    }

    #[test]
    fn calls_in_flight_stop_at_the_ahead_limit() {
        let key = VoucherKey::sr25519("//Alice").unwrap();
        let mut b = books();
        run(&mut b, &key, 10, 20).unwrap();
        run(&mut b, &key, 10, 20).unwrap();
        assert_eq!(
            b.plan(10, 20),
            Err(LedgerError::AheadLimit {
                channel_id: 1,
                need: 30,
                acked: 0,
                ahead: 30,
                max_ahead: 20
            })
        );
        b.acknowledge(20, 20, true);
        b.acknowledge(20, 20, true);
        assert_eq!(run(&mut b, &key, 10, 20).unwrap().amount, 30);
    }

    #[test]
    fn a_restart_resumes_at_the_ceiling_and_reuses_it_until_spent_catches_up() {
        let key = VoucherKey::sr25519("//Alice").unwrap();
        // Before the crash: ceiling 50 written, vouchers up to 30 maybe sent.
        let mut b = ChannelBooks::restored(1, 1_000, 50, 20, 20);
        let v = run(&mut b, &key, 10, 40).unwrap();
        assert_eq!(v.amount, 50, "never below anything that may have been sent");
        b.acknowledge(50, 30, true);
        for _ in 0..2 {
            let again = run(&mut b, &key, 10, 40).unwrap();
            assert_eq!(again, v, "the prepaid voucher is sent again, not re-signed");
            b.acknowledge(50, again.amount.min(b.spent_view), true);
        }
        assert_eq!(run(&mut b, &key, 10, 40).unwrap().amount, 60);
    }

    #[test]
    fn a_voucher_never_exceeds_the_funds() {
        let mut b = ChannelBooks::restored(1, 25, 0, 0, 0);
        let key = VoucherKey::sr25519("//Alice").unwrap();
        run(&mut b, &key, 10, 100).unwrap();
        run(&mut b, &key, 10, 100).unwrap();
        assert_eq!(
            b.plan(10, 100),
            Err(LedgerError::NeedsFunds {
                channel_id: 1,
                need: 30,
                funds: 25
            })
        );
        assert_eq!(b.ceiling, 25, "the ceiling is capped by the funds");
    }

    #[test]
    fn an_uncharged_call_gives_its_price_back() {
        let key = VoucherKey::sr25519("//Alice").unwrap();
        let mut b = books();
        run(&mut b, &key, 10, 100).unwrap();
        b.uncharged(10);
        assert_eq!((b.spent_view, b.in_flight), (0, 0));
        // The voucher of 10 is still the right one for the retry.
        assert!(matches!(b.plan(10, 100).unwrap(), Next::Reuse(v) if v.amount == 10));
    }

    #[test]
    fn a_gateway_that_accepted_more_raises_the_floor() {
        let mut b = books();
        b.acknowledge(70, 40, false);
        assert!(matches!(
            b.plan(10, 100).unwrap(),
            Next::Sign { amount: 70, .. }
        ));
    }
}
