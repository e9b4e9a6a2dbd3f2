//! Settling channels: `claim`, `claim_batch`, `close` (payee) and `refund` (client).
//!
//! Each returns its [`Effects`]: the net payout for `lib.rs` to send to the payee (one
//! transfer per call, however many channels) and the reputation reports, one entry
//! per channel (a channel repeated in a batch is merged into one entry) in one
//! cross-contract call per call. Per claimed channel the work is one
//! channel read, one signature check and one channel write.

use crate::data::EscrowData;
use crate::errors::{Error, Result};
use crate::events::*;
use crate::types::{
    ChannelClient, ChannelPayment, ClaimOutcome, Effects, Failure, FinalVoucher, Voucher,
    BPS_DENOMINATOR, MAX_BATCH,
};
use crate::verify::VoucherVerifier;
use gb_interfaces::{
    AccountId, Balance, ChannelId, ChannelState, Settlement, Timestamp, VoucherDomain,
    VoucherMessage, VoucherSignature,
};
use ink::prelude::vec::Vec;

/// The amounts of a verified claim, computed before anything is written.
#[derive(Debug, Clone, Copy)]
struct ClaimAmounts {
    /// Newly claimed amount (gross).
    paid: Balance,
    /// Protocol fee out of `paid`.
    fee: Balance,
}

/// What the client gets back when a channel ends.
#[derive(Debug, Clone, Copy)]
struct Refund {
    /// `funds − claimed`.
    amount: Balance,
    /// The client's internal balance after the credit.
    client_balance: Balance,
}

/// The vouchers a call claimed, for its one `Claimed` event.
struct Claims {
    list: Vec<ChannelClaim>,
    paid: Balance,
    fee: Balance,
}

impl Claims {
    fn with_capacity(n: usize) -> Self {
        Claims {
            list: Vec::with_capacity(n),
            paid: 0,
            fee: 0,
        }
    }

    /// The `Claimed` event of `payee`'s call, if anything was claimed.
    fn into_events(self, payee: AccountId) -> Vec<Event> {
        let mut events = Vec::with_capacity(2);
        if !self.list.is_empty() {
            events.push(Event::Claimed(Claimed {
                payee,
                claims: self.list,
                paid: self.paid,
                fee: self.fee,
            }));
        }
        events
    }
}

/// What the callers of a settling method share: who calls, when, which escrow (the
/// voucher's domain) and how signatures are checked.
pub struct SettleContext<'a, V: VoucherVerifier> {
    /// The caller (must be the payee for claims and close, the client for refunds).
    pub caller: AccountId,
    /// Block timestamp (ms).
    pub now: Timestamp,
    /// This escrow's address, bound into every voucher (with the chain's genesis hash,
    /// which escrow stores).
    pub escrow: [u8; 32],
    /// Signature checker.
    pub verifier: &'a V,
}

impl EscrowData {
    /// The voucher (v2) message buffer of this escrow: the chain's genesis hash and
    /// `ctx.escrow`.
    fn voucher_message<V: VoucherVerifier>(&self, ctx: &SettleContext<V>) -> VoucherMessage {
        VoucherMessage::new(&VoucherDomain::new(self.genesis_hash, ctx.escrow))
    }

    /// Checks one voucher of `channel` for the payee `ctx.caller`; no writes.
    /// Errors: `NotPayee`, `ChannelClosed`, `AmountNotAboveClaimed`,
    /// `AmountExceedsFunds`, `SchemeMismatch`, `SchemeUnsupported`, `InvalidSignature`,
    /// `Overflow`.
    fn check_claim<V: VoucherVerifier>(
        &self,
        ctx: &SettleContext<V>,
        message: &mut VoucherMessage,
        channel_id: ChannelId,
        channel: &ChannelPayment,
        amount: Balance,
        signature: &VoucherSignature,
    ) -> Result<ClaimAmounts> {
        if channel.payee != ctx.caller {
            return Err(Error::NotPayee);
        }
        if channel.state != ChannelState::Open {
            return Err(Error::ChannelClosed);
        }
        if amount <= channel.claimed {
            return Err(Error::AmountNotAboveClaimed);
        }
        if amount > channel.funds {
            return Err(Error::AmountExceedsFunds);
        }
        let message = message.of(channel_id, amount);
        ctx.verifier.verify(&channel.signer, message, signature)?;
        let paid = amount.checked_sub(channel.claimed).ok_or(Error::Overflow)?;
        let fee = paid
            .checked_mul(Balance::from(channel.fee_bps))
            .ok_or(Error::Overflow)?
            / BPS_DENOMINATOR;
        Ok(ClaimAmounts { paid, fee })
    }

    /// Books a checked claim of `amount` on `channel` (in memory: the caller writes
    /// the channel) and adds it to `effects` and `claims`; all arithmetic is checked
    /// before anything changes. Errors: `Overflow`.
    ///
    /// The channel is updated in place and passed by reference throughout: every
    /// copy of a record is a byte-by-byte `memcpy` in the contract's Wasm
    /// (docs/gas.md).
    #[allow(clippy::too_many_arguments)]
    fn book_claim(
        &mut self,
        now: Timestamp,
        channel_id: ChannelId,
        channel: &mut ChannelPayment,
        amount: Balance,
        a: ClaimAmounts,
        effects: &mut Effects,
        claims: &mut Claims,
    ) -> Result<()> {
        let net = a.paid.checked_sub(a.fee).ok_or(Error::Overflow)?;
        let payout = effects.payout.checked_add(net).ok_or(Error::Overflow)?;
        let claims_paid = claims.paid.checked_add(a.paid).ok_or(Error::Overflow)?;
        let claims_fee = claims.fee.checked_add(a.fee).ok_or(Error::Overflow)?;
        let locked = self
            .totals
            .locked
            .checked_sub(a.paid)
            .ok_or(Error::Overflow)?;
        let fees = self.totals.fees.checked_add(a.fee).ok_or(Error::Overflow)?;
        // One entry per channel (a channel repeated in a batch adds to its entry), so
        // reputation bounds a channel's success over its life (review M1).
        let slot = effects
            .settlements
            .iter()
            .position(|s| s.channel_id == channel_id);
        let channel_paid = match slot.and_then(|i| effects.settlements.get(i)) {
            Some(s) => s.paid.checked_add(a.paid).ok_or(Error::Overflow)?,
            None => a.paid,
        };
        let claimed_before = channel.claimed;

        channel.claimed = amount;
        channel.last_claim_at = now;
        self.totals.locked = locked;
        self.totals.fees = fees;
        effects.payout = payout;
        match slot.and_then(|i| effects.settlements.get_mut(i)) {
            Some(s) => s.paid = channel_paid,
            None => effects.settlements.push(Settlement {
                service_id: channel.service_id,
                channel_id,
                claimed_before,
                paid: channel_paid,
            }),
        }
        claims.paid = claims_paid;
        claims.fee = claims_fee;
        claims.list.push(ChannelClaim {
            channel_id,
            claimed: amount,
            paid: a.paid,
            fee: a.fee,
        });
        Ok(())
    }

    /// One voucher: read the channel, check, book, write. Errors: `ChannelNotFound`,
    /// as `check_claim`, `Overflow`.
    fn claim_into<V: VoucherVerifier>(
        &mut self,
        ctx: &SettleContext<V>,
        message: &mut VoucherMessage,
        voucher: &Voucher,
        effects: &mut Effects,
        claims: &mut Claims,
    ) -> Result<Balance> {
        let id = voucher.channel_id;
        // Borrowed inside the `Option`: moving it out would copy the whole record.
        let mut record = self.payments.get(id);
        let Some(channel) = record.as_mut() else {
            return Err(Error::ChannelNotFound);
        };
        let a = self.check_claim(
            ctx,
            message,
            id,
            channel,
            voucher.amount,
            &voucher.signature,
        )?;
        self.book_claim(ctx.now, id, channel, voucher.amount, a, effects, claims)?;
        self.payments.insert(id, channel);
        Ok(a.paid)
    }

    /// The payee claims one voucher; returns the newly claimed amount (gross).
    /// Errors: `Reentrant`, and any per-channel error of `claim_batch`.
    pub fn claim<V: VoucherVerifier>(
        &mut self,
        ctx: &SettleContext<V>,
        voucher: &Voucher,
    ) -> Result<(Balance, Effects, Vec<Event>)> {
        self.ensure_unlocked()?;
        let mut effects = Effects::default();
        let mut claims = Claims::with_capacity(1);
        let mut message = self.voucher_message(ctx);
        let paid = self.claim_into(ctx, &mut message, voucher, &mut effects, &mut claims)?;
        Ok((paid, effects, claims.into_events(ctx.caller)))
    }

    /// The payee claims up to `MAX_BATCH` vouchers. A bad voucher only fails its own
    /// entry of the returned outcomes; the good ones are paid. The same channel may
    /// appear more than once (each later voucher must be above the earlier).
    /// Errors (whole batch): `Reentrant`, `BatchTooLarge`.
    pub fn claim_batch<V: VoucherVerifier>(
        &mut self,
        ctx: &SettleContext<V>,
        vouchers: &[Voucher],
    ) -> Result<(Vec<ClaimOutcome>, Effects, Vec<Event>)> {
        self.ensure_unlocked()?;
        if vouchers.len() > MAX_BATCH {
            return Err(Error::BatchTooLarge);
        }
        let mut effects = Effects::default();
        let mut claims = Claims::with_capacity(vouchers.len());
        let mut outcomes = Vec::with_capacity(vouchers.len());
        let mut message = self.voucher_message(ctx);
        for voucher in vouchers {
            outcomes.push(self.claim_into(ctx, &mut message, voucher, &mut effects, &mut claims));
        }
        Ok((outcomes, effects, claims.into_events(ctx.caller)))
    }

    /// The payee closes a channel: claims the final voucher if given, then the rest
    /// (`funds − claimed`) goes to the client's internal balance. If nothing was ever
    /// claimed, the returned `Effects` ask for a failure report, expired or not: a payee
    /// that closes an unserved channel early must not dodge the report a refund at
    /// expiry would make (sim/README.md, `dodge` scenario).
    /// Errors: `Reentrant`, `ChannelNotFound`, `NotPayee`, `ChannelClosed`, the claim
    /// errors of the voucher, `Overflow`.
    pub fn close<V: VoucherVerifier>(
        &mut self,
        ctx: &SettleContext<V>,
        channel_id: ChannelId,
        voucher: Option<FinalVoucher>,
    ) -> Result<(Balance, Effects, Vec<Event>)> {
        self.ensure_unlocked()?;
        let Some(mut channel) = self.payments.get(channel_id) else {
            return Err(Error::ChannelNotFound);
        };
        if channel.payee != ctx.caller {
            return Err(Error::NotPayee);
        }
        if channel.state != ChannelState::Open {
            return Err(Error::ChannelClosed);
        }
        let owner = self.clients.get(channel_id).ok_or(Error::ChannelNotFound)?;
        let client = owner.client;
        let claim = match &voucher {
            Some(v) => {
                let mut message = self.voucher_message(ctx);
                let a = self.check_claim(
                    ctx,
                    &mut message,
                    channel_id,
                    &channel,
                    v.amount,
                    &v.signature,
                )?;
                Some((v.amount, a))
            }
            None => None,
        };
        // The end is checked with the final claimed amount before anything changes.
        let claimed = claim.map_or(channel.claimed, |(amount, _)| amount);
        let refund = self.check_end(&channel, client, claimed)?;
        let mut effects = Effects::default();
        let mut claims = Claims::with_capacity(1);
        if let Some((amount, a)) = claim {
            self.book_claim(
                ctx.now,
                channel_id,
                &mut channel,
                amount,
                a,
                &mut effects,
                &mut claims,
            )?;
        }
        let mut events = claims.into_events(ctx.caller);
        self.end(channel_id, &mut channel, client, refund)?;
        effects.failure = unserved(&channel, &owner);
        events.push(Event::ChannelClosed(ChannelClosed {
            channel_id,
            client,
            claimed: channel.claimed,
            refunded: refund.amount,
        }));
        Ok((refund.amount, effects, events))
    }

    /// The client takes `funds − claimed` of an expired channel back to its internal
    /// balance and the channel closes; if nothing was ever claimed, the returned
    /// returned `Effects` ask for a failure report.
    /// Errors: `Reentrant`, `ChannelNotFound`, `NotClient`, `ChannelClosed`,
    /// `NotExpired`, `Overflow`.
    pub fn refund(
        &mut self,
        caller: AccountId,
        channel_id: ChannelId,
        now: Timestamp,
    ) -> Result<(Balance, Effects, Vec<Event>)> {
        self.ensure_unlocked()?;
        let owner = self.clients.get(channel_id).ok_or(Error::ChannelNotFound)?;
        if owner.client != caller {
            return Err(Error::NotClient);
        }
        let mut channel = self.open_payment(channel_id)?;
        if now < owner.expiry {
            return Err(Error::NotExpired);
        }
        let refund = self.check_end(&channel, caller, channel.claimed)?;
        self.end(channel_id, &mut channel, caller, refund)?;
        let effects = Effects {
            failure: unserved(&channel, &owner),
            ..Effects::default()
        };
        let event = Event::ChannelRefunded(ChannelRefunded {
            channel_id,
            client: caller,
            claimed: channel.claimed,
            refunded: refund.amount,
        });
        Ok((refund.amount, effects, ink::prelude::vec![event]))
    }

    /// What `client` gets back when `channel` ends with `claimed` in total.
    /// Errors: `Overflow`.
    fn check_end(
        &self,
        channel: &ChannelPayment,
        client: AccountId,
        claimed: Balance,
    ) -> Result<Refund> {
        let refund = channel.funds.checked_sub(claimed).ok_or(Error::Overflow)?;
        let client_balance = self
            .balance_of(client)
            .checked_add(refund)
            .ok_or(Error::Overflow)?;
        // Checked here so that `end` cannot fail after a booked claim.
        self.totals
            .balances
            .checked_add(refund)
            .ok_or(Error::Overflow)?;
        Ok(Refund {
            amount: refund,
            client_balance,
        })
    }

    /// Ends a channel: closes and writes it, credits the client, moves the totals.
    /// Errors: `Overflow` (not reachable after `check_end`).
    fn end(
        &mut self,
        channel_id: ChannelId,
        channel: &mut ChannelPayment,
        client: AccountId,
        refund: Refund,
    ) -> Result<()> {
        let Refund {
            amount,
            client_balance,
        } = refund;
        let locked = self
            .totals
            .locked
            .checked_sub(amount)
            .ok_or(Error::Overflow)?;
        let balances = self
            .totals
            .balances
            .checked_add(amount)
            .ok_or(Error::Overflow)?;
        channel.state = ChannelState::Closed;
        self.payments.insert(channel_id, &*channel);
        self.set_balance(client, client_balance);
        self.totals.locked = locked;
        self.totals.balances = balances;
        Ok(())
    }
}

/// The failure to report if the channel ends with nothing ever claimed (a refund after
/// expiry, or a close by the payee), in the name of the channel's `payer`, with how
/// long its funds were locked: `expiry − locked_since` (security review M2).
fn unserved(channel: &ChannelPayment, owner: &ChannelClient) -> Option<Failure> {
    (channel.claimed == 0).then_some(Failure {
        service_id: channel.service_id,
        client: owner.payer,
        locked: channel.funds,
        locked_for: owner.expiry.saturating_sub(owner.locked_since),
    })
}

#[cfg(test)]
mod tests;
