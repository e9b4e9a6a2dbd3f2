//! Settling channels: `claim`, `claim_batch`, `close` (payee) and `refund` (client).
//!
//! Each returns a [`Settle`]: the net payout for `lib.rs` to send to the payee (one
//! transfer per call, however many channels) and the reputation reports, aggregated
//! per service (one cross-contract call per call). Per claimed channel the work is one
//! channel read, one signature check and one channel write.

use crate::data::EscrowData;
use crate::errors::{Error, Result};
use crate::events::*;
use crate::types::{Channel, ClaimOutcome, Settle, Voucher, BPS_DENOMINATOR, MAX_BATCH};
use crate::verify::VoucherVerifier;
use gb_interfaces::{
    voucher_message, AccountId, Balance, ChannelId, ChannelState, Settlement, Timestamp,
    VoucherSignature,
};
use ink::prelude::vec::Vec;

/// A verified claim, computed but not yet written.
struct Prepared {
    /// The channel with `claimed` and `last_claim_at` updated.
    channel: Channel,
    /// Newly claimed amount (gross).
    paid: Balance,
    /// Protocol fee out of `paid`.
    fee: Balance,
}

/// What the callers of a settling method share: who calls, when, which escrow (the
/// voucher's domain) and how signatures are checked.
pub struct SettleContext<'a, V: VoucherVerifier> {
    /// The caller (must be the payee for claims and close, the client for refunds).
    pub caller: AccountId,
    /// Block timestamp (ms).
    pub now: Timestamp,
    /// This escrow's address, bound into every voucher.
    pub escrow: [u8; 32],
    /// Signature checker.
    pub verifier: &'a V,
}

impl EscrowData {
    /// Checks one voucher of a channel for the payee `ctx.caller`; no writes.
    /// Errors: `ChannelNotFound`, `NotPayee`, `ChannelClosed`, `AmountNotAboveClaimed`,
    /// `AmountExceedsFunds`, `SchemeMismatch`, `SchemeUnsupported`, `InvalidSignature`,
    /// `Overflow`.
    fn prepare_claim<V: VoucherVerifier>(
        &self,
        ctx: &SettleContext<V>,
        channel: Channel,
        amount: Balance,
        signature: &VoucherSignature,
    ) -> Result<Prepared> {
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
        let message = voucher_message(&ctx.escrow, channel.id, amount);
        ctx.verifier.verify(&channel.signer, &message, signature)?;
        let paid = amount.checked_sub(channel.claimed).ok_or(Error::Overflow)?;
        let fee = paid
            .checked_mul(Balance::from(self.fee_bps))
            .ok_or(Error::Overflow)?
            / BPS_DENOMINATOR;
        let mut updated = channel;
        updated.claimed = amount;
        updated.last_claim_at = ctx.now;
        Ok(Prepared {
            channel: updated,
            paid,
            fee,
        })
    }

    /// Writes a prepared claim and adds it to `settle`; all arithmetic is checked
    /// before the first write. Errors: `Overflow`.
    fn commit_claim(
        &mut self,
        p: &Prepared,
        settle: &mut Settle,
        events: &mut Vec<Event>,
    ) -> Result<()> {
        let net = p.paid.checked_sub(p.fee).ok_or(Error::Overflow)?;
        let payout = settle.payout.checked_add(net).ok_or(Error::Overflow)?;
        let mut totals = self.totals;
        totals.locked = totals.locked.checked_sub(p.paid).ok_or(Error::Overflow)?;
        totals.fees = totals.fees.checked_add(p.fee).ok_or(Error::Overflow)?;
        let service_id = p.channel.service_id;
        let existing = settle
            .settlements
            .iter()
            .position(|s| s.service_id == service_id);
        let settlement = match existing.and_then(|i| settle.settlements.get(i)) {
            Some(s) => Settlement {
                service_id,
                paid: s.paid.checked_add(p.paid).ok_or(Error::Overflow)?,
                channels: s.channels.checked_add(1).ok_or(Error::Overflow)?,
            },
            None => Settlement {
                service_id,
                paid: p.paid,
                channels: 1,
            },
        };

        self.channels.insert(p.channel.id, &p.channel);
        self.totals = totals;
        settle.payout = payout;
        match existing.and_then(|i| settle.settlements.get_mut(i)) {
            Some(slot) => *slot = settlement,
            None => settle.settlements.push(settlement),
        }
        events.push(Event::Claimed(Claimed {
            channel_id: p.channel.id,
            payee: p.channel.payee,
            claimed: p.channel.claimed,
            paid: p.paid,
            fee: p.fee,
        }));
        Ok(())
    }

    /// One voucher: prepare and commit. Errors: as `prepare_claim`, `Overflow`.
    fn claim_into<V: VoucherVerifier>(
        &mut self,
        ctx: &SettleContext<V>,
        voucher: &Voucher,
        settle: &mut Settle,
        events: &mut Vec<Event>,
    ) -> Result<Balance> {
        let channel = self
            .channel(voucher.channel_id)
            .ok_or(Error::ChannelNotFound)?;
        let prepared = self.prepare_claim(ctx, channel, voucher.amount, &voucher.signature)?;
        self.commit_claim(&prepared, settle, events)?;
        Ok(prepared.paid)
    }

    /// The payee claims one voucher; returns the newly claimed amount (gross).
    /// Errors: `Reentrant`, and any per-channel error of `claim_batch`.
    pub fn claim<V: VoucherVerifier>(
        &mut self,
        ctx: &SettleContext<V>,
        voucher: &Voucher,
    ) -> Result<(Balance, Settle, Vec<Event>)> {
        self.ensure_unlocked()?;
        let mut settle = Settle::default();
        let mut events = Vec::with_capacity(1);
        let paid = self.claim_into(ctx, voucher, &mut settle, &mut events)?;
        Ok((paid, settle, events))
    }

    /// The payee claims up to `MAX_BATCH` vouchers. A bad voucher only fails its own
    /// entry of the returned outcomes; the good ones are paid. The same channel may
    /// appear more than once (each later voucher must be above the earlier).
    /// Errors (whole batch): `Reentrant`, `BatchTooLarge`.
    pub fn claim_batch<V: VoucherVerifier>(
        &mut self,
        ctx: &SettleContext<V>,
        vouchers: &[Voucher],
    ) -> Result<(Vec<ClaimOutcome>, Settle, Vec<Event>)> {
        self.ensure_unlocked()?;
        if vouchers.len() > MAX_BATCH {
            return Err(Error::BatchTooLarge);
        }
        let mut settle = Settle::default();
        let mut events = Vec::with_capacity(vouchers.len());
        let mut outcomes = Vec::with_capacity(vouchers.len());
        for voucher in vouchers {
            outcomes.push(self.claim_into(ctx, voucher, &mut settle, &mut events));
        }
        Ok((outcomes, settle, events))
    }

    /// The payee closes a channel: claims the final voucher if given, then the rest
    /// (`funds − claimed`) goes to the client's internal balance. If nothing was ever
    /// claimed, the returned `Settle` asks for a failure report, expired or not: a payee
    /// that closes an unserved channel early must not dodge the report a refund at
    /// expiry would make (sim/README.md, `dodge` scenario).
    /// Errors: `Reentrant`, `ChannelNotFound`, `NotPayee`, `ChannelClosed`, the claim
    /// errors of the voucher, `Overflow`.
    pub fn close<V: VoucherVerifier>(
        &mut self,
        ctx: &SettleContext<V>,
        channel_id: ChannelId,
        voucher: Option<(Balance, VoucherSignature)>,
    ) -> Result<(Settle, Vec<Event>)> {
        self.ensure_unlocked()?;
        let channel = self.channel(channel_id).ok_or(Error::ChannelNotFound)?;
        if channel.payee != ctx.caller {
            return Err(Error::NotPayee);
        }
        if channel.state != ChannelState::Open {
            return Err(Error::ChannelClosed);
        }
        let prepared = match voucher {
            Some((amount, signature)) => {
                Some(self.prepare_claim(ctx, channel, amount, &signature)?)
            }
            None => None,
        };
        let claimed_channel = prepared.as_ref().map_or(channel, |p| p.channel);
        let (final_channel, refund) = self.prepare_end(&claimed_channel)?;
        let mut settle = Settle::default();
        let mut events = Vec::with_capacity(2);
        if let Some(p) = &prepared {
            self.commit_claim(p, &mut settle, &mut events)?;
        }
        self.commit_end(&final_channel, refund)?;
        settle.failure = unserved(&final_channel);
        events.push(Event::ChannelClosed(ChannelClosed {
            channel_id,
            client: final_channel.client,
            claimed: final_channel.claimed,
            refunded: refund.0,
        }));
        Ok((settle, events))
    }

    /// The client takes `funds − claimed` of an expired channel back to its internal
    /// balance and the channel closes; if nothing was ever claimed, the returned
    /// `Settle` asks for a failure report.
    /// Errors: `Reentrant`, `ChannelNotFound`, `NotClient`, `ChannelClosed`,
    /// `NotExpired`, `Overflow`.
    pub fn refund(
        &mut self,
        caller: AccountId,
        channel_id: ChannelId,
        now: Timestamp,
    ) -> Result<(Settle, Vec<Event>)> {
        self.ensure_unlocked()?;
        let channel = self.channel(channel_id).ok_or(Error::ChannelNotFound)?;
        if channel.client != caller {
            return Err(Error::NotClient);
        }
        if channel.state != ChannelState::Open {
            return Err(Error::ChannelClosed);
        }
        if now < channel.expiry {
            return Err(Error::NotExpired);
        }
        let (final_channel, refund) = self.prepare_end(&channel)?;
        self.commit_end(&final_channel, refund)?;
        let settle = Settle {
            failure: unserved(&final_channel),
            ..Settle::default()
        };
        let event = Event::ChannelRefunded(ChannelRefunded {
            channel_id,
            client: final_channel.client,
            claimed: final_channel.claimed,
            refunded: refund.0,
        });
        Ok((settle, ink::prelude::vec![event]))
    }

    /// The closed channel, the amount refunded and the client's new balance.
    /// Errors: `Overflow`.
    fn prepare_end(&self, channel: &Channel) -> Result<(Channel, (Balance, Balance))> {
        let refund = channel
            .funds
            .checked_sub(channel.claimed)
            .ok_or(Error::Overflow)?;
        let client_balance = self
            .balance_of(channel.client)
            .checked_add(refund)
            .ok_or(Error::Overflow)?;
        // Checked here so that `commit_end` cannot fail after a committed claim.
        self.totals
            .balances
            .checked_add(refund)
            .ok_or(Error::Overflow)?;
        let mut closed = *channel;
        closed.state = ChannelState::Closed;
        Ok((closed, (refund, client_balance)))
    }

    /// Writes a channel's end: closed record, client credited, totals moved.
    /// Errors: `Overflow` (not reachable after `prepare_end`).
    fn commit_end(&mut self, channel: &Channel, refund: (Balance, Balance)) -> Result<()> {
        let (amount, client_balance) = refund;
        let mut totals = self.totals;
        totals.locked = totals.locked.checked_sub(amount).ok_or(Error::Overflow)?;
        totals.balances = totals.balances.checked_add(amount).ok_or(Error::Overflow)?;
        self.channels.insert(channel.id, channel);
        self.set_balance(channel.client, client_balance);
        self.totals = totals;
        Ok(())
    }
}

/// `(service, client, funds)` for a failure report if the channel ends with nothing
/// ever claimed (a refund after expiry, or a close by the payee).
fn unserved(channel: &Channel) -> Option<(gb_interfaces::ServiceId, AccountId, Balance)> {
    (channel.claimed == 0).then_some((channel.service_id, channel.client, channel.funds))
}

#[cfg(test)]
mod tests;
