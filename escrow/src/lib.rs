//! # Global Brain escrow
//!
//! Clients lock funds in payment channels for a registered service, pay per call off
//! chain with signed vouchers (a signature over the cumulative amount, sr25519 or
//! ecdsa: `gb_interfaces::voucher`), and providers settle many channels in one
//! transaction. The logic lives in [`data::EscrowData`] (balances, opening, config)
//! and `settle.rs` (claims, close, refund) and returns every event; this file reads the
//! caller and the clock, does the cross-contract calls (registry on open, reputation
//! after settling) and the native transfers, and emits the events.
#![cfg_attr(not(feature = "std"), no_std, no_main)]
// The lints cargo-contract enforces on contract code (tests may use plain arithmetic).
#![cfg_attr(
    not(test),
    warn(
        clippy::arithmetic_side_effects,
        clippy::cast_possible_truncation,
        clippy::cast_possible_wrap,
        clippy::cast_sign_loss
    )
)]

pub mod data;
pub mod errors;
pub mod events;
pub mod report;
pub mod settle;
pub mod types;
pub mod verify;

pub use self::escrow::{Escrow, EscrowRef};
pub use errors::{Error, Result};
pub use events::Event;

#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod model_tests;

#[ink::contract]
pub mod escrow {
    use crate::data::{EscrowData, OpenRequest, Role};
    use crate::errors::{Error, Result};
    use crate::events::Event;
    use crate::settle::SettleContext;
    use crate::types::{
        Accounting, Carried, Channel, ChannelPage, ClaimOutcome, Config, Effects, ExpectedTerms,
        FinalVoucher, Voucher, REPORT_PROOF_SIZE_LIMIT, REPORT_REF_TIME_LIMIT,
    };
    use crate::verify::ChainVerifier;
    use gb_interfaces::{
        ChannelFacts, ChannelId, ChannelLedger, ReputationOracle, ServiceDirectory, ServiceId,
        ServiceTerms, Signer, VoucherSignature,
    };
    use ink::codegen::TraitCallBuilder;
    use ink::prelude::vec::Vec;

    /// The escrow contract: all state is in [`EscrowData`].
    #[ink(storage)]
    pub struct Escrow {
        pub(crate) data: EscrowData,
    }

    impl Escrow {
        /// Deploys escrow. The deployer becomes the owner. `registry` gives the payee and
        /// active flag of services; `fee_bps` (≤ `MAX_FEE_BPS` = 1000, i.e. 10 %) of
        /// every claim goes to `treasury`. `genesis_hash` must be the genesis block hash
        /// of the chain escrow is deployed on (`chain_getBlockHash(0)`; `gb-deploy`
        /// passes it): vouchers (v2) sign it, so that a voucher of another chain, where
        /// an escrow may have this same address, is refused (issue 18 L8). A contract
        /// cannot read it itself (pallet-contracts has no host function for it); it is
        /// shown by `config()` and cannot be changed. A wrong value makes every
        /// correctly signed voucher fail (clients check it against their chain). The
        /// reputation contract is wired later with `set_reputation`. Errors:
        /// `FeeTooHigh`.
        #[ink(constructor)]
        pub fn new(
            registry: AccountId,
            fee_bps: u16,
            treasury: AccountId,
            genesis_hash: [u8; 32],
        ) -> Result<Self> {
            let owner = Self::env().caller();
            Ok(Self {
                data: EscrowData::new(owner, registry, fee_bps, treasury, genesis_hash)?,
            })
        }

        // ---- balances ----------------------------------------------------------------

        /// Anyone: credits the value sent with the call to the caller's internal balance.
        /// Emits `Deposited`. Errors: `ZeroAmount`, `Overflow`, `Reentrant`.
        #[ink(message, payable)]
        pub fn deposit(&mut self) -> Result<()> {
            let events = self
                .data
                .deposit(self.env().caller(), self.env().transferred_value());
            self.done(events)
        }

        /// Anyone: sends `amount` of the caller's internal balance to the caller.
        /// Emits `Withdrawn`. Errors: `ZeroAmount`, `InsufficientBalance`,
        /// `TransferFailed`, `Reentrant`.
        #[ink(message)]
        pub fn withdraw(&mut self, amount: Balance) -> Result<()> {
            let caller = self.env().caller();
            let events = self.data.withdraw(caller, amount)?;
            // A native transfer runs no code, so it cannot reenter.
            self.env()
                .transfer(caller, amount)
                .map_err(|_| Error::TransferFailed)?;
            self.done(Ok(events))
        }

        /// Anyone: moves `amount` of the caller's internal balance to `to`'s.
        /// Emits `Transferred`. Errors: `ZeroAmount`, `InsufficientBalance`, `Overflow`,
        /// `Reentrant`.
        #[ink(message)]
        pub fn transfer(&mut self, to: AccountId, amount: Balance) -> Result<()> {
            let events = self.data.transfer(self.env().caller(), to, amount);
            self.done(events)
        }

        // ---- channels ----------------------------------------------------------------

        /// Anyone (the client): opens a channel for registered, active `service_id`,
        /// paying its registry payee; `amount` comes from the caller's balance, vouchers
        /// are signed by `signer`, the caller may refund after `expiry` (ms; in the
        /// future, at most `MAX_CHANNEL_DURATION` away). Returns the channel id.
        /// Emits `ChannelOpened`. Errors: `ServiceNotFound`, `ServiceInactive`,
        /// `RegistryCallFailed`, `SchemeUnsupported`, `InvalidSignerKey`, `ZeroAmount`,
        /// `ExpiryInPast`, `ExpiryTooFar`, `InsufficientBalance`, `Overflow`,
        /// `Reentrant`.
        #[ink(message)]
        pub fn open_channel(
            &mut self,
            service_id: ServiceId,
            signer: Signer,
            amount: Balance,
            expiry: Timestamp,
        ) -> Result<ChannelId> {
            let caller = self.env().caller();
            self.open(caller, caller, service_id, signer, amount, expiry, 0, None)
        }

        /// Anyone (the client): opens a channel like `open_channel`, but only on the
        /// terms the client read from the registry: the service's payee must be
        /// `expected.payee` (else `PayeeChanged`) and its price at most
        /// `expected.max_price` (else `PriceChanged`), so a member changing them just
        /// before the open (front-running it) makes it fail instead of paying someone
        /// else. Any value sent is deposited first; `amount` comes from the caller's
        /// balance with that deposit (send `amount` to fund it all in one call, as
        /// `deposit_and_open`). Returns the channel id. Emits `Deposited` (if value was
        /// sent) and `ChannelOpened`. Errors: as `open_channel`, `PayeeChanged`,
        /// `PriceChanged`.
        #[ink(message, payable)]
        pub fn open_channel_with_terms(
            &mut self,
            service_id: ServiceId,
            signer: Signer,
            amount: Balance,
            expiry: Timestamp,
            expected: ExpectedTerms,
        ) -> Result<ChannelId> {
            let caller = self.env().caller();
            let value = self.env().transferred_value();
            self.open(
                caller,
                caller,
                service_id,
                signer,
                amount,
                expiry,
                value,
                Some(expected),
            )
        }

        /// Anyone (a third party paying): like `open_channel`, funded from the caller's
        /// balance, but the channel belongs to `client` (refunds go to `client`).
        /// Emits `ChannelOpened`. Errors: as `open_channel`.
        #[ink(message)]
        pub fn open_channel_for(
            &mut self,
            client: AccountId,
            service_id: ServiceId,
            signer: Signer,
            amount: Balance,
            expiry: Timestamp,
        ) -> Result<ChannelId> {
            let caller = self.env().caller();
            self.open(caller, client, service_id, signer, amount, expiry, 0, None)
        }

        /// Anyone (the client): deposits the value sent and opens a channel with all of
        /// it in one call. Emits `Deposited` and `ChannelOpened`. Errors: as
        /// `open_channel`.
        #[ink(message, payable)]
        pub fn deposit_and_open(
            &mut self,
            service_id: ServiceId,
            signer: Signer,
            expiry: Timestamp,
        ) -> Result<ChannelId> {
            let caller = self.env().caller();
            let value = self.env().transferred_value();
            self.open(
                caller, caller, service_id, signer, value, expiry, value, None,
            )
        }

        /// Anyone: adds `amount` from the caller's balance to an open channel (what is
        /// left at the end goes to the channel's client). Emits `FundsAdded`.
        /// Errors: `ZeroAmount`, `ChannelNotFound`, `ChannelClosed`,
        /// `InsufficientBalance`, `Overflow`, `Reentrant`.
        #[ink(message)]
        pub fn add_funds(&mut self, channel_id: ChannelId, amount: Balance) -> Result<()> {
            let now = self.env().block_timestamp();
            let events = self
                .data
                .add_funds(self.env().caller(), channel_id, amount, now);
            self.done(events)
        }

        /// The channel's client: moves the expiry forward to `expiry` (ms).
        /// Emits `ChannelExtended`. Errors: `ChannelNotFound`, `NotClient`,
        /// `ChannelClosed`, `ExpiryNotLater`, `ExpiryInPast`, `ExpiryTooFar`,
        /// `Reentrant`.
        #[ink(message)]
        pub fn extend(&mut self, channel_id: ChannelId, expiry: Timestamp) -> Result<()> {
            let now = self.env().block_timestamp();
            let events = self
                .data
                .extend(self.env().caller(), channel_id, expiry, now);
            self.done(events)
        }

        /// The channel's payee: claims the voucher `(channel_id, amount, signature)`
        /// (cumulative `amount`); is paid `amount − claimed` minus the protocol fee.
        /// Returns the newly claimed amount (gross). Emits `Claimed` (and
        /// `PayoutCredited` if the native payout fails). Errors: `ChannelNotFound`,
        /// `NotPayee`, `ChannelClosed`, `AmountNotAboveClaimed`, `AmountExceedsFunds`,
        /// `SchemeMismatch`, `SchemeUnsupported`, `InvalidSignature`, `Overflow`,
        /// `Reentrant`.
        #[ink(message)]
        pub fn claim(
            &mut self,
            channel_id: ChannelId,
            amount: Balance,
            signature: VoucherSignature,
        ) -> Result<Balance> {
            let ctx = self.context();
            let voucher = Voucher::new(channel_id, amount, signature);
            let (paid, effects, events) = self.data.claim(&ctx, &voucher)?;
            self.settled(ctx.caller, effects, events)?;
            Ok(paid)
        }

        /// The payee of the channels: claims up to `MAX_BATCH` (50) vouchers at once,
        /// with one payout transfer and one reputation report for all. Returns one
        /// outcome per voucher, in order: the newly claimed amount (gross) or that
        /// voucher's error (see `claim`); bad vouchers do not revert good ones. Emits
        /// one `Claimed` listing the vouchers that paid (and `PayoutCredited` if the
        /// native payout fails). Errors (whole call): `BatchTooLarge`, `Reentrant`,
        /// `Overflow`.
        #[ink(message)]
        pub fn claim_batch(&mut self, vouchers: Vec<Voucher>) -> Result<Vec<ClaimOutcome>> {
            let ctx = self.context();
            let (outcomes, effects, events) = self.data.claim_batch(&ctx, &vouchers)?;
            self.settled(ctx.caller, effects, events)?;
            Ok(outcomes)
        }

        /// The channel's payee: claims the final voucher if given, then closes the
        /// channel; `funds − claimed` goes to the client's internal balance. Returns
        /// that refunded amount. A channel closed with nothing ever claimed is reported
        /// to reputation as a failure, as a refund at expiry would be. Emits `Claimed`
        /// (with a final voucher) and `ChannelClosed`. Errors: `ChannelNotFound`,
        /// `NotPayee`, `ChannelClosed`, the errors of `claim` for the voucher,
        /// `Overflow`, `Reentrant`.
        #[ink(message)]
        pub fn close(
            &mut self,
            channel_id: ChannelId,
            voucher: Option<FinalVoucher>,
        ) -> Result<Balance> {
            let ctx = self.context();
            let (refunded, effects, events) = self.data.close(&ctx, channel_id, voucher)?;
            self.settled(ctx.caller, effects, events)?;
            Ok(refunded)
        }

        /// The channel's client, once it expired: takes `funds − claimed` back to the
        /// caller's internal balance (then `withdraw`) and closes the channel. Returns
        /// the refunded amount. Emits `ChannelRefunded`. Errors: `ChannelNotFound`,
        /// `NotClient`, `ChannelClosed`, `NotExpired`, `Overflow`, `Reentrant`.
        #[ink(message)]
        pub fn refund(&mut self, channel_id: ChannelId) -> Result<Balance> {
            let caller = self.env().caller();
            let now = self.env().block_timestamp();
            let (refunded, effects, events) = self.data.refund(caller, channel_id, now)?;
            self.settled(caller, effects, events)?;
            Ok(refunded)
        }

        // ---- fees and wiring ---------------------------------------------------------

        /// The treasury: withdraws all protocol fees held; returns the amount.
        /// Emits `FeesWithdrawn`. Errors: `NotTreasury`, `ZeroAmount`, `TransferFailed`,
        /// `Reentrant`.
        #[ink(message)]
        pub fn withdraw_fees(&mut self) -> Result<Balance> {
            let caller = self.env().caller();
            let (amount, events) = self.data.withdraw_fees(caller)?;
            self.env()
                .transfer(caller, amount)
                .map_err(|_| Error::TransferFailed)?;
            self.done(Ok(events))?;
            Ok(amount)
        }

        /// The owner: sets the protocol fee (basis points, ≤ 1000) of the channels
        /// opened from now on (a channel keeps the fee it opened with) and the
        /// treasury. Fees already held go to whoever is treasury when withdrawn. Emits
        /// `FeeChanged`. Errors: `NotOwner`, `FeeTooHigh`, `Reentrant`.
        #[ink(message)]
        pub fn set_fee(&mut self, fee_bps: u16, treasury: AccountId) -> Result<()> {
            let events = self.data.set_fee(self.env().caller(), fee_bps, treasury);
            self.done(events)
        }

        /// The owner: wires (or rewires) the reputation contract that settlements and
        /// failures are reported to. Emits `ReputationSet`. Errors: `NotOwner`,
        /// `Reentrant`.
        #[ink(message)]
        pub fn set_reputation(&mut self, reputation: AccountId) -> Result<()> {
            let events = self.data.set_reputation(self.env().caller(), reputation);
            self.done(events)
        }

        /// The owner: hands ownership to `new_owner`. Emits `OwnershipTransferred`.
        /// Errors: `NotOwner`, `Reentrant`.
        #[ink(message)]
        pub fn transfer_ownership(&mut self, new_owner: AccountId) -> Result<()> {
            let events = self.data.transfer_ownership(self.env().caller(), new_owner);
            self.done(events)
        }

        // ---- reads -------------------------------------------------------------------

        /// Anyone: a channel by id.
        #[ink(message)]
        pub fn channel(&self, channel_id: ChannelId) -> Option<Channel> {
            self.data.channel(channel_id)
        }

        /// Anyone: channels whose client is `client`, oldest first, from position
        /// `cursor`, at most `limit` (0 or above 32 means 32); `next_cursor` pages on.
        #[ink(message)]
        pub fn channels_of_client(
            &self,
            client: AccountId,
            cursor: u32,
            limit: u32,
        ) -> ChannelPage {
            self.data.channels_of(Role::Client, client, cursor, limit)
        }

        /// Anyone: channels whose payee is `payee`, paginated like `channels_of_client`.
        #[ink(message)]
        pub fn channels_of_payee(&self, payee: AccountId, cursor: u32, limit: u32) -> ChannelPage {
            self.data.channels_of(Role::Payee, payee, cursor, limit)
        }

        /// Anyone: the internal balance of `account`.
        #[ink(message)]
        pub fn balance_of(&self, account: AccountId) -> Balance {
            self.data.balance_of(account)
        }

        /// Anyone: protocol fees held for the treasury.
        #[ink(message)]
        pub fn fees_held(&self) -> Balance {
            self.data.fees_held()
        }

        /// Anyone: owner, service registry, reputation, fee, treasury, next channel id,
        /// whether this build verifies sr25519 vouchers (else only ecdsa), and the
        /// genesis hash of the chain its vouchers are signed for.
        #[ink(message)]
        pub fn config(&self) -> Config {
            self.data.config()
        }

        /// Anyone: running totals of what escrow owes (Σ balances, Σ open channels'
        /// `funds − claimed`, fees held); the contract's free balance must cover
        /// `balances + locked + fees`.
        #[ink(message)]
        pub fn accounting(&self) -> Accounting {
            self.data.accounting()
        }

        // ---- internals ---------------------------------------------------------------

        fn context(&self) -> SettleContext<'static, ChainVerifier> {
            SettleContext {
                caller: self.env().caller(),
                now: self.env().block_timestamp(),
                escrow: *<AccountId as AsRef<[u8; 32]>>::as_ref(&self.env().account_id()),
                verifier: &ChainVerifier,
            }
        }

        #[allow(clippy::too_many_arguments)]
        fn open(
            &mut self,
            payer: AccountId,
            client: AccountId,
            service_id: ServiceId,
            signer: Signer,
            amount: Balance,
            expiry: Timestamp,
            deposit: Balance,
            expected: Option<ExpectedTerms>,
        ) -> Result<ChannelId> {
            let terms = self.service_terms(service_id)?;
            let request = OpenRequest {
                payer,
                client,
                service_id,
                signer,
                amount,
                expiry,
                expected,
            };
            let now = self.env().block_timestamp();
            let (id, events) = self.data.open_channel(request, deposit, terms, now)?;
            self.done(Ok(events))?;
            Ok(id)
        }

        /// One registry read, inside the reentrancy guard.
        fn service_terms(&mut self, service_id: ServiceId) -> Result<Option<ServiceTerms>> {
            self.data.lock()?;
            let registry: ink::contract_ref!(ServiceDirectory) = self.data.registry.into();
            let result = registry.call().service_terms(service_id).try_invoke();
            self.data.unlock();
            match result {
                Ok(Ok(terms)) => Ok(terms),
                _ => Err(Error::RegistryCallFailed),
            }
        }

        /// After a settling call updated the state: emits its events, then carries out
        /// its effects (one native payout to `payee`, the reputation reports) inside the
        /// reentrancy guard, and emits what the logic makes of the outcome (a failed
        /// payout is credited to the payee's balance, a failed report only named).
        fn settled(
            &mut self,
            payee: AccountId,
            effects: Effects,
            events: Vec<Event>,
        ) -> Result<()> {
            self.emit(events);
            let reputation = self.data.reputation;
            let reports = reputation.is_some()
                && (!effects.settlements.is_empty() || effects.failure.is_some());
            if effects.payout == 0 && !reports {
                return Ok(());
            }
            self.data.lock()?;
            let mut carried = Carried::default();
            if effects.payout > 0 {
                carried.payout = Some(self.env().transfer(payee, effects.payout).is_ok());
            }
            if let Some(reputation) = reputation {
                let mut oracle: ink::contract_ref!(ReputationOracle) = reputation.into();
                // The reply is never read (a big one would trap escrow): `report.rs`.
                if !effects.settlements.is_empty() {
                    let call = oracle
                        .call_mut()
                        .report_settlements(effects.settlements)
                        .ref_time_limit(REPORT_REF_TIME_LIMIT)
                        .proof_size_limit(REPORT_PROOF_SIZE_LIMIT)
                        .params();
                    carried.settlements = Some(crate::report::accepted(&call));
                }
                if let Some(f) = effects.failure {
                    let call = oracle
                        .call_mut()
                        .report_failure(f.service_id, f.client, f.locked, f.locked_for)
                        .ref_time_limit(REPORT_REF_TIME_LIMIT)
                        .proof_size_limit(REPORT_PROOF_SIZE_LIMIT)
                        .params();
                    carried.failure = Some(crate::report::accepted(&call));
                }
            }
            let events = self.data.carried_out(payee, effects.payout, carried)?;
            self.data.unlock();
            self.emit(events);
            Ok(())
        }

        /// Emits the events of a logic call that succeeded.
        fn done(&self, events: Result<Vec<Event>>) -> Result<()> {
            self.emit(events?);
            Ok(())
        }

        fn emit(&self, events: Vec<Event>) {
            for event in events {
                match event {
                    Event::Deposited(e) => self.env().emit_event(e),
                    Event::Withdrawn(e) => self.env().emit_event(e),
                    Event::Transferred(e) => self.env().emit_event(e),
                    Event::ChannelOpened(e) => self.env().emit_event(e),
                    Event::FundsAdded(e) => self.env().emit_event(e),
                    Event::ChannelExtended(e) => self.env().emit_event(e),
                    Event::Claimed(e) => self.env().emit_event(e),
                    Event::PayoutCredited(e) => self.env().emit_event(e),
                    Event::ChannelClosed(e) => self.env().emit_event(e),
                    Event::ChannelRefunded(e) => self.env().emit_event(e),
                    Event::ReputationReportFailed(e) => self.env().emit_event(e),
                    Event::FeesWithdrawn(e) => self.env().emit_event(e),
                    Event::FeeChanged(e) => self.env().emit_event(e),
                    Event::ReputationSet(e) => self.env().emit_event(e),
                    Event::OwnershipTransferred(e) => self.env().emit_event(e),
                }
            }
        }
    }

    impl ChannelLedger for Escrow {
        /// Anyone (reputation, to authorize and weigh a rating): the facts of a channel.
        #[ink(message)]
        fn channel_facts(&self, channel_id: ChannelId) -> Option<ChannelFacts> {
            self.data.channel(channel_id).map(|c| c.facts())
        }
    }
}
