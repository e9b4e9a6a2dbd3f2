//! The escrow logic as a plain storage struct: balances, channel opening and funding,
//! configuration, the reentrancy guard and the reads. Claims, close and refund are in
//! `settle.rs`. Every method takes the caller, `now` etc. explicitly and returns the
//! events for `lib.rs` to emit, so all of it runs in unit and property tests.
//!
//! Every state-changing method checks all its preconditions before its first write, so
//! an `Err` leaves the state untouched (this matters inside `claim_batch`, where a
//! per-channel error does not revert the call).

use crate::errors::{Error, Result};
use crate::events::*;
use crate::types::{
    locked_since_after, Accounting, Carried, Channel, ChannelClient, ChannelPage, ChannelPayment,
    Config, ExpectedTerms, MAX_CHANNEL_DURATION, MAX_FEE_BPS, MAX_PAGE,
};
use crate::verify::check_signer;
use gb_interfaces::{
    AccountId, Balance, ChannelId, ChannelState, Ownable, ServiceId, ServiceTerms, Signer,
    Timestamp,
};
use ink::prelude::{vec, vec::Vec};
use ink::storage::{Lazy, Mapping};

/// Which side of a channel an index lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Channels whose client is the account.
    Client,
    /// Channels whose payee is the account.
    Payee,
}

/// Everything escrow stores.
#[ink::storage_item]
#[derive(Debug)]
pub struct EscrowData {
    /// May set the fee, the reputation contract and transfer ownership.
    ownable: Ownable,
    /// The registry that gives a service's payee and active flag (fixed at deployment).
    pub(crate) registry: AccountId,
    /// The reputation contract told about settlements and failures; `None`: no reports.
    pub(crate) reputation: Option<AccountId>,
    /// Protocol fee (basis points, ≤ `MAX_FEE_BPS`) of channels opened from now on;
    /// each channel stores the fee it opened with.
    pub(crate) fee_bps: u16,
    /// Receives the protocol fees (`withdraw_fees`).
    pub(crate) treasury: AccountId,
    /// Id the next channel gets (from 1, never reused).
    pub(crate) next_channel_id: ChannelId,
    /// Genesis block hash of the chain this escrow runs on (fixed at deployment), bound
    /// into every voucher (v2) so that a voucher of another chain never pays here.
    pub(crate) genesis_hash: [u8; 32],
    /// Running totals of what is owed (internal balances, locked, fees).
    pub(crate) totals: Accounting,
    /// Reentrancy guard, set while calling out. `Lazy` so that it is written to storage
    /// at once (root fields are only written when the message returns).
    pub(crate) locked: Lazy<bool>,
    /// Internal balances (absent: 0).
    pub(crate) balances: Mapping<AccountId, Balance>,
    /// What claims read and write, per channel.
    pub(crate) payments: Mapping<ChannelId, ChannelPayment>,
    /// Whose channel and until when, per channel.
    pub(crate) clients: Mapping<ChannelId, ChannelClient>,
    /// How many channels each client has (the length of its index).
    client_count: Mapping<AccountId, u32>,
    /// A client's channels by position, oldest first.
    client_channels: Mapping<(AccountId, u32), ChannelId>,
    /// How many channels each payee has (the length of its index).
    payee_count: Mapping<AccountId, u32>,
    /// A payee's channels by position, oldest first.
    payee_channels: Mapping<(AccountId, u32), ChannelId>,
}

/// The arguments of a channel opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenRequest {
    /// Whose balance funds the channel.
    pub payer: AccountId,
    /// Whose channel it is (refunds, extension); the payer rates it.
    pub client: AccountId,
    /// The service to pay.
    pub service_id: ServiceId,
    /// Scheme and public key of the vouchers.
    pub signer: Signer,
    /// Funds to lock.
    pub amount: Balance,
    /// Expiry timestamp (ms).
    pub expiry: Timestamp,
    /// The terms the client pinned (`open_channel_with_terms`); `None`: whatever the
    /// registry says when the call executes.
    pub expected: Option<ExpectedTerms>,
}

impl EscrowData {
    /// Fresh state for the chain whose genesis block hash is `genesis_hash`.
    /// Errors: `FeeTooHigh`.
    pub fn new(
        owner: AccountId,
        registry: AccountId,
        fee_bps: u16,
        treasury: AccountId,
        genesis_hash: [u8; 32],
    ) -> Result<Self> {
        if fee_bps > MAX_FEE_BPS {
            return Err(Error::FeeTooHigh);
        }
        Ok(Self {
            ownable: Ownable::new(owner),
            registry,
            reputation: None,
            fee_bps,
            treasury,
            next_channel_id: 1,
            genesis_hash,
            totals: Accounting::default(),
            locked: Lazy::default(),
            balances: Mapping::default(),
            payments: Mapping::default(),
            clients: Mapping::default(),
            client_count: Mapping::default(),
            client_channels: Mapping::default(),
            payee_count: Mapping::default(),
            payee_channels: Mapping::default(),
        })
    }

    // ---- reentrancy guard ------------------------------------------------------------

    /// True while escrow is calling out.
    pub fn is_locked(&self) -> bool {
        self.locked.get().unwrap_or(false)
    }

    /// Errors with `Reentrant` while escrow is calling out.
    pub(crate) fn ensure_unlocked(&self) -> Result<()> {
        if self.is_locked() {
            Err(Error::Reentrant)
        } else {
            Ok(())
        }
    }

    /// Sets the guard before calling out. Errors: `Reentrant` (already set).
    pub fn lock(&mut self) -> Result<()> {
        self.ensure_unlocked()?;
        self.locked.set(&true);
        Ok(())
    }

    /// Clears the guard after calling out.
    pub fn unlock(&mut self) {
        self.locked.set(&false);
    }

    // ---- configuration ---------------------------------------------------------------

    fn ensure_owner(&self, caller: AccountId) -> Result<()> {
        self.ensure_unlocked()?;
        Ok(self.ownable.ensure_owner(caller)?)
    }

    /// Owner sets the protocol fee of channels opened from now on (open channels keep
    /// theirs) and the treasury. Errors: `NotOwner`, `FeeTooHigh`.
    pub fn set_fee(
        &mut self,
        caller: AccountId,
        fee_bps: u16,
        treasury: AccountId,
    ) -> Result<Vec<Event>> {
        self.ensure_owner(caller)?;
        if fee_bps > MAX_FEE_BPS {
            return Err(Error::FeeTooHigh);
        }
        self.fee_bps = fee_bps;
        self.treasury = treasury;
        Ok(vec![Event::FeeChanged(FeeChanged { fee_bps, treasury })])
    }

    /// Owner wires the reputation contract. Errors: `NotOwner`.
    pub fn set_reputation(
        &mut self,
        caller: AccountId,
        reputation: AccountId,
    ) -> Result<Vec<Event>> {
        self.ensure_owner(caller)?;
        let previous = self.reputation.replace(reputation);
        Ok(vec![Event::ReputationSet(ReputationSet {
            previous,
            reputation,
        })])
    }

    /// Owner hands ownership over. Errors: `NotOwner`.
    pub fn transfer_ownership(
        &mut self,
        caller: AccountId,
        new_owner: AccountId,
    ) -> Result<Vec<Event>> {
        self.ensure_unlocked()?;
        let event = self.ownable.transfer(caller, new_owner)?;
        Ok(vec![Event::OwnershipTransferred(event)])
    }

    // ---- internal balances -----------------------------------------------------------

    pub(crate) fn set_balance(&mut self, account: AccountId, value: Balance) {
        if value == 0 {
            self.balances.remove(account);
        } else {
            self.balances.insert(account, &value);
        }
    }

    /// Credits native value that arrived with the call. Errors: `ZeroAmount`, `Overflow`.
    pub fn deposit(&mut self, account: AccountId, amount: Balance) -> Result<Vec<Event>> {
        self.ensure_unlocked()?;
        if amount == 0 {
            return Err(Error::ZeroAmount);
        }
        let balance = self
            .balance_of(account)
            .checked_add(amount)
            .ok_or(Error::Overflow)?;
        let total = self
            .totals
            .balances
            .checked_add(amount)
            .ok_or(Error::Overflow)?;
        self.set_balance(account, balance);
        self.totals.balances = total;
        Ok(vec![Event::Deposited(Deposited { account, amount })])
    }

    /// Debits `amount` for a native transfer to `account` (done by `lib.rs`).
    /// Errors: `ZeroAmount`, `InsufficientBalance`.
    pub fn withdraw(&mut self, account: AccountId, amount: Balance) -> Result<Vec<Event>> {
        self.ensure_unlocked()?;
        if amount == 0 {
            return Err(Error::ZeroAmount);
        }
        let balance = self
            .balance_of(account)
            .checked_sub(amount)
            .ok_or(Error::InsufficientBalance)?;
        let total = self
            .totals
            .balances
            .checked_sub(amount)
            .ok_or(Error::Overflow)?;
        self.set_balance(account, balance);
        self.totals.balances = total;
        Ok(vec![Event::Withdrawn(Withdrawn { account, amount })])
    }

    /// Moves internal balance. Errors: `ZeroAmount`, `InsufficientBalance`, `Overflow`.
    pub fn transfer(
        &mut self,
        from: AccountId,
        to: AccountId,
        amount: Balance,
    ) -> Result<Vec<Event>> {
        self.ensure_unlocked()?;
        if amount == 0 {
            return Err(Error::ZeroAmount);
        }
        let from_balance = self
            .balance_of(from)
            .checked_sub(amount)
            .ok_or(Error::InsufficientBalance)?;
        if from != to {
            let to_balance = self
                .balance_of(to)
                .checked_add(amount)
                .ok_or(Error::Overflow)?;
            self.set_balance(from, from_balance);
            self.set_balance(to, to_balance);
        }
        Ok(vec![Event::Transferred(Transferred { from, to, amount })])
    }

    /// Books what `lib.rs` found carrying out a settling call's `Effects` for
    /// `payee` (inside its guarded section, so the guard is not checked): a `payout`
    /// whose native transfer failed is credited to the payee's internal balance
    /// (`PayoutCredited`), and every failed reputation report is named
    /// (`ReputationReportFailed`). Errors: `Overflow`.
    pub fn carried_out(
        &mut self,
        payee: AccountId,
        payout: Balance,
        carried: Carried,
    ) -> Result<Vec<Event>> {
        let mut events = Vec::new();
        if carried.payout == Some(false) {
            events.extend(self.credit_payout(payee, payout)?);
        }
        if let Some(reputation) = self.reputation {
            for (done, kind) in [
                (carried.settlements, ReportKind::Settlements),
                (carried.failure, ReportKind::Failure),
            ] {
                if done == Some(false) {
                    events.push(Event::ReputationReportFailed(ReputationReportFailed {
                        reputation,
                        kind,
                    }));
                }
            }
        }
        Ok(events)
    }

    /// Credits a payout whose native transfer failed to the payee's internal balance.
    /// Errors: `Overflow`.
    fn credit_payout(&mut self, payee: AccountId, amount: Balance) -> Result<Vec<Event>> {
        let balance = self
            .balance_of(payee)
            .checked_add(amount)
            .ok_or(Error::Overflow)?;
        let total = self
            .totals
            .balances
            .checked_add(amount)
            .ok_or(Error::Overflow)?;
        self.set_balance(payee, balance);
        self.totals.balances = total;
        Ok(vec![Event::PayoutCredited(PayoutCredited {
            payee,
            amount,
        })])
    }

    /// Treasury takes all fees held (native transfer done by `lib.rs`); returns the
    /// amount. Errors: `NotTreasury`, `ZeroAmount` (nothing held).
    pub fn withdraw_fees(&mut self, caller: AccountId) -> Result<(Balance, Vec<Event>)> {
        self.ensure_unlocked()?;
        if caller != self.treasury {
            return Err(Error::NotTreasury);
        }
        let amount = self.totals.fees;
        if amount == 0 {
            return Err(Error::ZeroAmount);
        }
        self.totals.fees = 0;
        let event = Event::FeesWithdrawn(FeesWithdrawn {
            treasury: caller,
            amount,
        });
        Ok((amount, vec![event]))
    }

    // ---- opening and funding channels ------------------------------------------------

    /// Opens a channel funded from `payer`'s balance plus `deposit` (native value that
    /// came with the call, 0 if none), for the service whose registry `terms` are given.
    /// Errors: `ServiceNotFound`, `ServiceInactive`, `PayeeChanged`, `PriceChanged`,
    /// `SchemeUnsupported`, `InvalidSignerKey`, `ZeroAmount`, `ExpiryInPast`,
    /// `ExpiryTooFar`, `InsufficientBalance`, `Overflow`.
    pub fn open_channel(
        &mut self,
        req: OpenRequest,
        deposit: Balance,
        terms: Option<ServiceTerms>,
        now: Timestamp,
    ) -> Result<(ChannelId, Vec<Event>)> {
        self.ensure_unlocked()?;
        let terms = terms.ok_or(Error::ServiceNotFound)?;
        if !terms.active {
            return Err(Error::ServiceInactive);
        }
        if let Some(expected) = req.expected {
            if terms.payee != expected.payee {
                return Err(Error::PayeeChanged);
            }
            if terms.price > expected.max_price {
                return Err(Error::PriceChanged);
            }
        }
        check_signer(&req.signer)?;
        if req.amount == 0 {
            return Err(Error::ZeroAmount);
        }
        check_expiry(req.expiry, now)?;
        let available = self
            .balance_of(req.payer)
            .checked_add(deposit)
            .ok_or(Error::Overflow)?;
        let payer_balance = available
            .checked_sub(req.amount)
            .ok_or(Error::InsufficientBalance)?;
        let mut totals = self.totals;
        totals.balances = totals
            .balances
            .checked_add(deposit)
            .and_then(|b| b.checked_sub(req.amount))
            .ok_or(Error::Overflow)?;
        totals.locked = totals
            .locked
            .checked_add(req.amount)
            .ok_or(Error::Overflow)?;
        let id = self.next_channel_id;
        let next_id = id.checked_add(1).ok_or(Error::Overflow)?;
        let client_n = self.channel_count(Role::Client, req.client);
        let payee_n = self.channel_count(Role::Payee, terms.payee);
        let client_next = client_n.checked_add(1).ok_or(Error::Overflow)?;
        let payee_next = payee_n.checked_add(1).ok_or(Error::Overflow)?;

        let payment = ChannelPayment {
            payee: terms.payee,
            service_id: req.service_id,
            signer: req.signer,
            funds: req.amount,
            claimed: 0,
            last_claim_at: 0,
            state: ChannelState::Open,
            fee_bps: self.fee_bps,
        };
        let client = ChannelClient {
            client: req.client,
            payer: req.payer,
            expiry: req.expiry,
            locked_since: now,
        };
        self.payments.insert(id, &payment);
        self.clients.insert(id, &client);
        self.client_channels.insert((req.client, client_n), &id);
        self.client_count.insert(req.client, &client_next);
        self.payee_channels.insert((terms.payee, payee_n), &id);
        self.payee_count.insert(terms.payee, &payee_next);
        self.set_balance(req.payer, payer_balance);
        self.next_channel_id = next_id;
        self.totals = totals;

        let mut events = Vec::with_capacity(2);
        if deposit > 0 {
            events.push(Event::Deposited(Deposited {
                account: req.payer,
                amount: deposit,
            }));
        }
        events.push(Event::ChannelOpened(ChannelOpened {
            channel_id: id,
            client: req.client,
            payee: terms.payee,
            service_id: req.service_id,
            payer: req.payer,
            signer: req.signer,
            funds: req.amount,
            expiry: req.expiry,
        }));
        Ok((id, events))
    }

    /// Anyone adds `amount` from their own balance to an open channel (a gift to the
    /// client: what is left at the end goes to the client). The channel's
    /// `locked_since` moves to the funds-weighted mean of when its funds came in
    /// ([`locked_since_after`]), so its lock duration stays honest (security review M2).
    /// Errors: `ZeroAmount`, `ChannelNotFound`, `ChannelClosed`, `InsufficientBalance`,
    /// `Overflow`.
    pub fn add_funds(
        &mut self,
        caller: AccountId,
        channel_id: ChannelId,
        amount: Balance,
        now: Timestamp,
    ) -> Result<Vec<Event>> {
        self.ensure_unlocked()?;
        if amount == 0 {
            return Err(Error::ZeroAmount);
        }
        let mut channel = self.open_payment(channel_id)?;
        let mut owner = self.clients.get(channel_id).ok_or(Error::ChannelNotFound)?;
        let balance = self
            .balance_of(caller)
            .checked_sub(amount)
            .ok_or(Error::InsufficientBalance)?;
        owner.locked_since = locked_since_after(owner.locked_since, channel.funds, amount, now);
        channel.funds = channel.funds.checked_add(amount).ok_or(Error::Overflow)?;
        let mut totals = self.totals;
        totals.balances = totals.balances.checked_sub(amount).ok_or(Error::Overflow)?;
        totals.locked = totals.locked.checked_add(amount).ok_or(Error::Overflow)?;
        self.payments.insert(channel_id, &channel);
        self.clients.insert(channel_id, &owner);
        self.set_balance(caller, balance);
        self.totals = totals;
        Ok(vec![Event::FundsAdded(FundsAdded {
            channel_id,
            by: caller,
            amount,
            funds: channel.funds,
        })])
    }

    /// The client moves the expiry forward (also after it passed, until refunded).
    /// Errors: `ChannelNotFound`, `NotClient`, `ChannelClosed`, `ExpiryNotLater`,
    /// `ExpiryInPast`, `ExpiryTooFar`.
    pub fn extend(
        &mut self,
        caller: AccountId,
        channel_id: ChannelId,
        expiry: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<Event>> {
        self.ensure_unlocked()?;
        let mut owner = self.clients.get(channel_id).ok_or(Error::ChannelNotFound)?;
        if owner.client != caller {
            return Err(Error::NotClient);
        }
        self.open_payment(channel_id)?;
        if expiry <= owner.expiry {
            return Err(Error::ExpiryNotLater);
        }
        check_expiry(expiry, now)?;
        owner.expiry = expiry;
        self.clients.insert(channel_id, &owner);
        Ok(vec![Event::ChannelExtended(ChannelExtended {
            channel_id,
            expiry,
        })])
    }

    /// The payment part of a channel if it exists and is open. Errors:
    /// `ChannelNotFound`, `ChannelClosed`.
    pub(crate) fn open_payment(&self, channel_id: ChannelId) -> Result<ChannelPayment> {
        let payment = self
            .payments
            .get(channel_id)
            .ok_or(Error::ChannelNotFound)?;
        if payment.state == ChannelState::Open {
            Ok(payment)
        } else {
            Err(Error::ChannelClosed)
        }
    }

    // ---- reads -----------------------------------------------------------------------

    /// Internal balance of `account`.
    pub fn balance_of(&self, account: AccountId) -> Balance {
        self.balances.get(account).unwrap_or(0)
    }

    /// A channel by id (both stored parts).
    pub fn channel(&self, channel_id: ChannelId) -> Option<Channel> {
        let payment = self.payments.get(channel_id)?;
        let client = self.clients.get(channel_id)?;
        Some(Channel::of(channel_id, &payment, &client))
    }

    /// Running totals of what escrow owes.
    pub fn accounting(&self) -> Accounting {
        self.totals
    }

    /// Protocol fees not yet withdrawn.
    pub fn fees_held(&self) -> Balance {
        self.totals.fees
    }

    /// Wiring and fee settings.
    pub fn config(&self) -> Config {
        Config {
            owner: self.ownable.owner(),
            service_registry: self.registry,
            reputation: self.reputation,
            fee_bps: self.fee_bps,
            treasury: self.treasury,
            next_channel_id: self.next_channel_id,
            sr25519_vouchers: crate::verify::SR25519_SUPPORTED,
            genesis_hash: self.genesis_hash,
        }
    }

    /// How many channels `account` has in the `role` index.
    pub fn channel_count(&self, role: Role, account: AccountId) -> u32 {
        match role {
            Role::Client => self.client_count.get(account),
            Role::Payee => self.payee_count.get(account),
        }
        .unwrap_or(0)
    }

    /// Channels of `account` in the `role` index from position `cursor`, at most
    /// `limit` of them (0 or above `MAX_PAGE` means `MAX_PAGE`), oldest first.
    pub fn channels_of(
        &self,
        role: Role,
        account: AccountId,
        cursor: u32,
        limit: u32,
    ) -> ChannelPage {
        let count = self.channel_count(role, account);
        let limit = if limit == 0 {
            MAX_PAGE
        } else {
            limit.min(MAX_PAGE)
        };
        let end = cursor.saturating_add(limit).min(count);
        let mut channels = Vec::new();
        for position in cursor..end {
            let id = match role {
                Role::Client => self.client_channels.get((account, position)),
                Role::Payee => self.payee_channels.get((account, position)),
            };
            if let Some(channel) = id.and_then(|id| self.channel(id)) {
                channels.push(channel);
            }
        }
        let next_cursor = if end < count { Some(end) } else { None };
        ChannelPage {
            channels,
            next_cursor,
        }
    }
}

/// An expiry must be in the future and at most `MAX_CHANNEL_DURATION` away.
fn check_expiry(expiry: Timestamp, now: Timestamp) -> Result<()> {
    if expiry <= now {
        Err(Error::ExpiryInPast)
    } else if expiry > now.saturating_add(MAX_CHANNEL_DURATION) {
        Err(Error::ExpiryTooFar)
    } else {
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests;
