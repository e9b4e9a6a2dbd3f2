//! Events of the escrow contract: one for every state change. Topics are the ids and
//! accounts people filter by (at most three besides the event's own signature topic).

use gb_interfaces::{AccountId, Balance, ChannelId, ServiceId, Signer, Timestamp};
use ink::prelude::vec::Vec;

/// `amount` was deposited to `account`'s internal balance.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deposited {
    #[ink(topic)]
    pub account: AccountId,
    pub amount: Balance,
}

/// `amount` left `account`'s internal balance for its native account.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    #[ink(topic)]
    pub account: AccountId,
    pub amount: Balance,
}

/// `amount` moved between internal balances.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transferred {
    #[ink(topic)]
    pub from: AccountId,
    #[ink(topic)]
    pub to: AccountId,
    pub amount: Balance,
}

/// A channel was opened; `payer` funded it (the client itself or a third party).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelOpened {
    #[ink(topic)]
    pub channel_id: ChannelId,
    #[ink(topic)]
    pub client: AccountId,
    #[ink(topic)]
    pub payee: AccountId,
    pub service_id: ServiceId,
    pub payer: AccountId,
    pub signer: Signer,
    pub funds: Balance,
    pub expiry: Timestamp,
}

/// `amount` was added to a channel by `by`; `funds` is the new total.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundsAdded {
    #[ink(topic)]
    pub channel_id: ChannelId,
    #[ink(topic)]
    pub by: AccountId,
    pub amount: Balance,
    pub funds: Balance,
}

/// The client moved a channel's expiry forward.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelExtended {
    #[ink(topic)]
    pub channel_id: ChannelId,
    pub expiry: Timestamp,
}

/// What one voucher did to its channel, as [`Claimed`] lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub struct ChannelClaim {
    /// The channel the voucher paid from.
    pub channel_id: ChannelId,
    /// The channel's new cumulative claimed total (the voucher's amount).
    pub claimed: Balance,
    /// The increase over the previous total (gross).
    pub paid: Balance,
    /// The protocol's share of `paid`.
    pub fee: Balance,
}

/// The payee claimed vouchers in one call (`claim`, `claim_batch`, or `close` with a
/// final voucher): one entry per voucher that paid, in order (a channel claimed twice
/// in one batch appears twice). `paid` and `fee` are the sums; the payee received
/// `paid − fee` natively in the same call, or on its internal balance if a
/// `PayoutCredited` event follows. One event per call, with the payee as its only
/// topic: a topic costs a storage write per event (docs/gas.md), so the channels are
/// listed in the data, where each costs a few dozen bytes.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    #[ink(topic)]
    pub payee: AccountId,
    pub claims: Vec<ChannelClaim>,
    pub paid: Balance,
    pub fee: Balance,
}

/// The native payout of a claiming call failed (e.g. below the existential deposit of
/// a new account), so `amount` (its `Claimed` event's `paid − fee`) was credited to
/// the payee's internal balance instead (`withdraw` it later).
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayoutCredited {
    #[ink(topic)]
    pub payee: AccountId,
    pub amount: Balance,
}

/// The payee closed the channel; `refunded` went to the client's internal balance.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelClosed {
    #[ink(topic)]
    pub channel_id: ChannelId,
    #[ink(topic)]
    pub client: AccountId,
    pub claimed: Balance,
    pub refunded: Balance,
}

/// The client took the rest of an expired channel back to its internal balance.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelRefunded {
    #[ink(topic)]
    pub channel_id: ChannelId,
    #[ink(topic)]
    pub client: AccountId,
    pub claimed: Balance,
    pub refunded: Balance,
}

/// Which report to reputation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, scale::Encode, scale::Decode)]
#[cfg_attr(feature = "std", derive(scale_info::TypeInfo))]
pub enum ReportKind {
    /// `report_settlements`.
    Settlements,
    /// `report_failure`.
    Failure,
}

/// A report to reputation failed; the settlement itself went through.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReputationReportFailed {
    #[ink(topic)]
    pub reputation: AccountId,
    pub kind: ReportKind,
}

/// The treasury withdrew the protocol fees held.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeesWithdrawn {
    #[ink(topic)]
    pub treasury: AccountId,
    pub amount: Balance,
}

/// The owner set the protocol fee and treasury.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeChanged {
    pub fee_bps: u16,
    #[ink(topic)]
    pub treasury: AccountId,
}

/// The owner wired a (new) reputation contract.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReputationChanged {
    #[ink(topic)]
    pub reputation: AccountId,
}

/// Ownership moved to `new_owner`.
#[ink::event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipTransferred {
    #[ink(topic)]
    pub previous_owner: AccountId,
    #[ink(topic)]
    pub new_owner: AccountId,
}

/// Any escrow event, as returned by the logic for `lib.rs` to emit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Deposited(Deposited),
    Withdrawn(Withdrawn),
    Transferred(Transferred),
    ChannelOpened(ChannelOpened),
    FundsAdded(FundsAdded),
    ChannelExtended(ChannelExtended),
    Claimed(Claimed),
    PayoutCredited(PayoutCredited),
    ChannelClosed(ChannelClosed),
    ChannelRefunded(ChannelRefunded),
    ReputationReportFailed(ReputationReportFailed),
    FeesWithdrawn(FeesWithdrawn),
    FeeChanged(FeeChanged),
    ReputationChanged(ReputationChanged),
    OwnershipTransferred(OwnershipTransferred),
}
