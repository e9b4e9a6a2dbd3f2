//! `#[ink::test]` tests of the `Escrow` messages: caller, value, clock and contract
//! address come from the environment, native transfers move the engine's balances,
//! events are emitted. The rules and every error path are tested on the logic in
//! `data/tests.rs` and `settle/tests.rs`.
//!
//! Not here: the off-chain engine cannot run cross-contract calls (it panics), so
//! `open_channel`, `open_channel_for`, `deposit_and_open` (registry read) and the
//! reputation reports of claim / close / refund with a wired reputation contract are
//! covered by the drink suite (e2e-tests/). Channels here are opened directly on the
//! logic (`escrow.data.open_channel` with the registry's answer given), then settled
//! through the messages, with no reputation contract wired. The `PayoutCredited`
//! fallback needs a failing native transfer, which the engine cannot produce (it
//! panics on an underdrawn contract instead): drink covers it too.

use crate::data::OpenRequest;
use crate::errors::Error;
use crate::events::*;
use crate::types::{Accounting, FinalVoucher, Voucher, MAX_FEE_BPS};
use crate::Escrow;
use gb_interfaces::{
    AccountId, Balance, ChannelId, ChannelLedger, ChannelState, ServiceTerms, Timestamp,
    VoucherDomain, VoucherSignature,
};
use gb_testkit::{accounts, assert_topics, last_event, nth_last, nth_last_event, set_caller};
use gb_voucher::{VoucherKey, VoucherSigner as _};
use ink::env::test;
use ink::env::DefaultEnvironment as Env;

const T0: Timestamp = 1_700_000_000_000;
const HOUR: Timestamp = 3_600_000;
/// Native balance the contract account starts with (above the engine's minimum).
const START: Balance = 10_000_000;
/// The genesis hash of the chain the escrow is deployed for.
const GENESIS: [u8; 32] = [0x91; 32];

fn contract() -> AccountId {
    AccountId::from([0xC0; 32])
}
fn native(who: AccountId) -> Balance {
    test::get_account_balance::<Env>(who).unwrap_or(0)
}
fn events_count() -> usize {
    gb_testkit::events().len()
}

/// Alice deploys (owner) at `contract()` with a 1 % fee to treasury Frank.
fn setup() -> Escrow {
    let a = accounts();
    test::set_callee::<Env>(contract());
    test::set_account_balance::<Env>(contract(), START);
    test::set_block_timestamp::<Env>(T0);
    set_caller(a.alice);
    Escrow::new(a.django, 100, a.frank, GENESIS).unwrap()
}

/// `who` deposits `value` (sent with the call).
fn deposit(e: &mut Escrow, who: AccountId, value: Balance) {
    set_caller(who);
    test::set_value_transferred::<Env>(value);
    e.deposit().unwrap();
    test::set_value_transferred::<Env>(0);
}

/// Bob's sr25519 voucher key.
fn key() -> VoucherKey {
    VoucherKey::sr25519("//BobVoucher").unwrap()
}
/// Bob's voucher for `amount` on `channel` of the escrow at `escrow` on the chain
/// `GENESIS`.
fn voucher_for(escrow: AccountId, channel: ChannelId, amount: Balance) -> Voucher {
    voucher_on(GENESIS, escrow, channel, amount)
}
/// Bob's voucher for `amount` on `channel` of the escrow at `escrow` on the chain
/// `genesis_hash`.
fn voucher_on(
    genesis_hash: [u8; 32],
    escrow: AccountId,
    channel: ChannelId,
    amount: Balance,
) -> Voucher {
    let domain = VoucherDomain::new(genesis_hash, *escrow.as_ref());
    gb_voucher::sign(&key(), &domain, channel, amount)
}
fn sign_for(escrow: AccountId, channel: ChannelId, amount: Balance) -> VoucherSignature {
    voucher_for(escrow, channel, amount).signature
}

/// Bob deposits 1000 and opens a channel of 1000 to payee Eve.
fn open_channel(e: &mut Escrow) -> ChannelId {
    deposit(e, accounts().bob, 1_000);
    open_from_balance(e, 1_000)
}

/// Bob opens a channel of `amount` to payee Eve from his balance, on the logic directly
/// (the registry's answer is given: the message would read it cross-contract).
fn open_from_balance(e: &mut Escrow, amount: Balance) -> ChannelId {
    let a = accounts();
    let req = OpenRequest {
        payer: a.bob,
        client: a.bob,
        service_id: 7,
        signer: key().signer(),
        amount,
        expiry: T0 + HOUR,
        expected: None,
    };
    let terms = ServiceTerms {
        payee: a.eve,
        price: 1,
        active: true,
    };
    e.data.open_channel(req, 0, Some(terms), T0).unwrap().0
}

#[ink::test]
fn new_makes_the_deployer_owner_and_caps_the_fee() {
    let a = accounts();
    let e = setup();
    let c = e.config();
    assert_eq!(
        (c.owner, c.service_registry, c.reputation),
        (a.alice, a.django, None)
    );
    assert_eq!(
        (c.fee_bps, c.treasury, c.next_channel_id),
        (100, a.frank, 1)
    );
    assert_eq!(c.genesis_hash, GENESIS);
    assert_eq!(e.accounting(), Accounting::default());
    assert!(matches!(
        Escrow::new(a.django, MAX_FEE_BPS + 1, a.frank, GENESIS),
        Err(Error::FeeTooHigh)
    ));
}

#[ink::test]
fn deposit_credits_the_value_sent() {
    let a = accounts();
    let mut e = setup();
    set_caller(a.bob);
    assert_eq!(e.deposit(), Err(Error::ZeroAmount), "no value sent");
    deposit(&mut e, a.bob, 700);
    assert_eq!(e.balance_of(a.bob), 700);
    let ev: Deposited = last_event();
    assert_eq!((ev.account, ev.amount), (a.bob, 700));
    assert_eq!(e.accounting().balances, 700);
}

#[ink::test]
fn withdraw_sends_native_value_and_transfer_moves_balances() {
    let a = accounts();
    let mut e = setup();
    deposit(&mut e, a.bob, 700);
    set_caller(a.bob);
    assert_eq!(e.withdraw(701), Err(Error::InsufficientBalance));
    let before = native(a.bob);
    assert_eq!(e.withdraw(200), Ok(()));
    assert_eq!(native(a.bob), before + 200);
    assert_eq!(native(contract()), START - 200);
    let ev: Withdrawn = last_event();
    assert_eq!((ev.account, ev.amount), (a.bob, 200));

    assert_eq!(e.transfer(a.charlie, 501), Err(Error::InsufficientBalance));
    assert_eq!(e.transfer(a.charlie, 300), Ok(()));
    assert_eq!((e.balance_of(a.bob), e.balance_of(a.charlie)), (200, 300));
    let ev: Transferred = last_event();
    assert_eq!((ev.from, ev.to, ev.amount), (a.bob, a.charlie, 300));
    assert_eq!(e.accounting().balances, 500);
}

#[ink::test]
fn set_fee_set_reputation_transfer_ownership_are_owner_only() {
    let a = accounts();
    let mut e = setup();
    set_caller(a.bob);
    assert_eq!(e.set_fee(0, a.bob), Err(Error::NotOwner));
    assert_eq!(e.set_reputation(a.bob), Err(Error::NotOwner));
    assert_eq!(e.transfer_ownership(a.bob), Err(Error::NotOwner));
    set_caller(a.alice);
    assert_eq!(e.set_fee(MAX_FEE_BPS + 1, a.frank), Err(Error::FeeTooHigh));
    assert_eq!(e.set_fee(MAX_FEE_BPS, a.charlie), Ok(()));
    let ev: FeeChanged = last_event();
    assert_eq!((ev.fee_bps, ev.treasury), (MAX_FEE_BPS, a.charlie));
    assert_eq!(e.set_reputation(a.eve), Ok(()));
    assert_eq!(e.transfer_ownership(a.bob), Ok(()));
    let ev: OwnershipTransferred = last_event();
    assert_eq!((ev.previous_owner, ev.new_owner), (a.alice, a.bob));
    let c = e.config();
    assert_eq!(
        (c.owner, c.reputation, c.fee_bps, c.treasury),
        (a.bob, Some(a.eve), 1_000, a.charlie)
    );
    assert_eq!(
        e.set_fee(0, a.frank),
        Err(Error::NotOwner),
        "the old owner lost its rights"
    );
}

#[ink::test]
fn claim_binds_the_voucher_to_this_contracts_address_and_pays_out() {
    let a = accounts();
    let mut e = setup();
    let ch = open_channel(&mut e);
    set_caller(a.eve);
    // Signed for another escrow instance: refused.
    assert_eq!(
        e.claim(ch, 400, sign_for(a.django, ch, 400)),
        Err(Error::InvalidSignature)
    );
    // Signed for this escrow address on another chain (issue 18 L8): refused.
    let elsewhere = voucher_on([0xB0; 32], contract(), ch, 400);
    assert_eq!(
        e.claim(ch, 400, elsewhere.signature),
        Err(Error::InvalidSignature)
    );
    assert_eq!(
        e.claim_batch(vec![elsewhere]),
        Ok(vec![Err(Error::InvalidSignature)])
    );
    set_caller(a.charlie);
    assert_eq!(
        e.claim(ch, 400, sign_for(contract(), ch, 400)),
        Err(Error::NotPayee)
    );
    set_caller(a.eve);
    let before = native(a.eve);
    assert_eq!(e.claim(ch, 400, sign_for(contract(), ch, 400)), Ok(400));
    assert_eq!(native(a.eve), before + 396, "400 minus the 1 % fee");
    // No event of its own for the transfer: `Claimed` says what was paid.
    let ev: Claimed = last_event();
    assert_eq!((ev.payee, ev.paid, ev.fee), (a.eve, 400, 4));
    assert_eq!(
        ev.claims,
        vec![ChannelClaim {
            channel_id: ch,
            claimed: 400,
            paid: 400,
            fee: 4
        }]
    );
    assert_eq!(e.fees_held(), 4);
    let c = e.channel(ch).unwrap();
    assert_eq!((c.claimed, c.last_claim_at), (400, T0));
    // What reputation reads (`ChannelLedger::channel_facts`) follows the channel.
    let facts = e.channel_facts(ch).unwrap();
    assert_eq!(
        (facts.client, facts.payee, facts.service_id),
        (a.bob, a.eve, 7)
    );
    assert_eq!((facts.claimed, facts.last_claim_at), (400, T0));
    assert!(e.channel_facts(ch + 1).is_none());
    assert_eq!(
        e.accounting(),
        Accounting {
            balances: 0,
            locked: 600,
            fees: 4
        }
    );
    // Batch through the message: per-voucher outcomes, one payout.
    let batch = vec![
        voucher_for(contract(), ch, 300),
        voucher_for(contract(), ch, 500),
    ];
    assert_eq!(
        e.claim_batch(batch),
        Ok(vec![Err(Error::AmountNotAboveClaimed), Ok(100)])
    );
    assert_eq!(native(a.eve), before + 396 + 99);
}

#[ink::test]
fn withdraw_fees_is_for_the_treasury_only() {
    let a = accounts();
    let mut e = setup();
    let ch = open_channel(&mut e);
    set_caller(a.eve);
    e.claim(ch, 1_000, sign_for(contract(), ch, 1_000)).unwrap();
    set_caller(a.alice);
    assert_eq!(
        e.withdraw_fees(),
        Err(Error::NotTreasury),
        "not even the owner"
    );
    set_caller(a.frank);
    let before = native(a.frank);
    assert_eq!(e.withdraw_fees(), Ok(10));
    assert_eq!(native(a.frank), before + 10);
    let ev: FeesWithdrawn = last_event();
    assert_eq!((ev.treasury, ev.amount), (a.frank, 10));
    assert_eq!(e.withdraw_fees(), Err(Error::ZeroAmount));
}

#[ink::test]
fn close_and_refund_messages_return_the_refunded_amount() {
    let a = accounts();
    let mut e = setup();
    let ch = open_channel(&mut e);
    set_caller(a.eve);
    let before = native(a.eve);
    assert_eq!(
        e.close(
            ch,
            Some(FinalVoucher {
                amount: 250,
                signature: sign_for(contract(), ch, 250)
            })
        ),
        Ok(750)
    );
    // Claimed (the final voucher, 250 − 1 % fee paid out natively), then ChannelClosed.
    let ev: Claimed = nth_last_event(1);
    assert_eq!((ev.payee, ev.paid, ev.fee), (a.eve, 250, 2));
    let ev: ChannelClosed = last_event();
    assert_eq!((ev.channel_id, ev.claimed, ev.refunded), (ch, 250, 750));
    assert_eq!(native(a.eve), before + 248);
    assert_eq!(e.balance_of(a.bob), 750);
    assert_eq!(e.channel(ch).unwrap().state, ChannelState::Closed);

    set_caller(a.bob);
    let ch2 = open_from_balance(&mut e, 750);
    assert_eq!(e.refund(ch2), Err(Error::NotExpired));
    test::set_block_timestamp::<Env>(T0 + HOUR);
    assert_eq!(e.refund(ch2), Ok(750));
    let ev: ChannelRefunded = last_event();
    assert_eq!((ev.channel_id, ev.client, ev.refunded), (ch2, a.bob, 750));
    assert_eq!(
        e.accounting(),
        Accounting {
            balances: 750,
            locked: 0,
            fees: 2
        }
    );
}

#[ink::test]
fn extend_and_add_funds_messages() {
    let a = accounts();
    let mut e = setup();
    let ch = open_channel(&mut e);
    set_caller(a.eve);
    assert_eq!(e.extend(ch, T0 + 2 * HOUR), Err(Error::NotClient));
    set_caller(a.bob);
    assert_eq!(e.extend(ch, T0 + HOUR), Err(Error::ExpiryNotLater));
    assert_eq!(e.extend(ch, T0 + 2 * HOUR), Ok(()));
    let ev: ChannelExtended = last_event();
    assert_eq!((ev.channel_id, ev.expiry), (ch, T0 + 2 * HOUR));
    deposit(&mut e, a.charlie, 50);
    assert_eq!(e.add_funds(ch, 50), Ok(()));
    assert_eq!(e.channel(ch).unwrap().funds, 1_050);
    assert_eq!(e.channels_of_client(a.bob, 0, 0).channels.len(), 1);
    assert_eq!(e.channels_of_payee(a.eve, 0, 0).channels[0].id, ch);
}

#[ink::test]
fn every_state_changing_message_is_refused_while_calling_out() {
    let a = accounts();
    let mut e = setup();
    let ch = open_channel(&mut e);
    e.data.lock().unwrap();
    let n = events_count();
    let sig = sign_for(contract(), ch, 10);
    set_caller(a.bob);
    test::set_value_transferred::<Env>(5);
    assert_eq!(e.deposit(), Err(Error::Reentrant));
    test::set_value_transferred::<Env>(0);
    assert_eq!(e.withdraw(1), Err(Error::Reentrant));
    assert_eq!(e.transfer(a.charlie, 1), Err(Error::Reentrant));
    // The guard is taken before the registry is called, so no call goes out.
    let signer = key().signer();
    assert_eq!(
        e.open_channel(7, signer, 1, T0 + HOUR),
        Err(Error::Reentrant)
    );
    assert_eq!(
        e.open_channel_for(a.charlie, 7, signer, 1, T0 + HOUR),
        Err(Error::Reentrant)
    );
    assert_eq!(
        e.deposit_and_open(7, signer, T0 + HOUR),
        Err(Error::Reentrant)
    );
    assert_eq!(e.add_funds(ch, 1), Err(Error::Reentrant));
    assert_eq!(e.extend(ch, T0 + 2 * HOUR), Err(Error::Reentrant));
    assert_eq!(e.refund(ch), Err(Error::Reentrant));
    set_caller(a.eve);
    assert_eq!(e.claim(ch, 10, sig), Err(Error::Reentrant));
    assert_eq!(
        e.claim_batch(vec![Voucher::new(ch, 10, sig)]),
        Err(Error::Reentrant)
    );
    assert_eq!(e.close(ch, None), Err(Error::Reentrant));
    set_caller(a.frank);
    assert_eq!(e.withdraw_fees(), Err(Error::Reentrant));
    set_caller(a.alice);
    assert_eq!(e.set_fee(0, a.frank), Err(Error::Reentrant));
    assert_eq!(e.set_reputation(a.eve), Err(Error::Reentrant));
    assert_eq!(e.transfer_ownership(a.bob), Err(Error::Reentrant));
    assert_eq!(events_count(), n, "nothing emitted");
    assert_eq!(
        e.accounting(),
        Accounting {
            balances: 0,
            locked: 1_000,
            fees: 0
        }
    );
}

#[ink::test]
fn every_event_carries_its_topics() {
    let a = accounts();
    use gb_testkit::topic_of as t;
    let mut e = setup();
    deposit(&mut e, a.bob, 2_000);
    assert_topics::<Deposited>(&nth_last(0), &[t(&a.bob)]);
    set_caller(a.bob);
    e.transfer(a.charlie, 10).unwrap();
    assert_topics::<Transferred>(&nth_last(0), &[t(&a.bob), t(&a.charlie)]);
    e.withdraw(10).unwrap();
    assert_topics::<Withdrawn>(&nth_last(0), &[t(&a.bob)]);
    let ch = open_from_balance(&mut e, 1_000);
    e.add_funds(ch, 10).unwrap();
    assert_topics::<FundsAdded>(&nth_last(0), &[t(&ch), t(&a.bob)]);
    e.extend(ch, T0 + 2 * HOUR).unwrap();
    assert_topics::<ChannelExtended>(&nth_last(0), &[t(&ch)]);
    set_caller(a.eve);
    e.claim(ch, 100, sign_for(contract(), ch, 100)).unwrap();
    // One topic for a whole batch: the payee (no channel id, docs/gas.md).
    assert_topics::<Claimed>(&nth_last(0), &[t(&a.eve)]);
    e.close(ch, None).unwrap();
    assert_topics::<ChannelClosed>(&nth_last(0), &[t(&ch), t(&a.bob)]);
    set_caller(a.bob);
    let ch2 = open_from_balance(&mut e, 100);
    test::set_block_timestamp::<Env>(T0 + HOUR);
    e.refund(ch2).unwrap();
    assert_topics::<ChannelRefunded>(&nth_last(0), &[t(&ch2), t(&a.bob)]);
    set_caller(a.frank);
    e.withdraw_fees().unwrap();
    assert_topics::<FeesWithdrawn>(&nth_last(0), &[t(&a.frank)]);
    set_caller(a.alice);
    e.set_fee(50, a.charlie).unwrap();
    assert_topics::<FeeChanged>(&nth_last(0), &[t(&a.charlie)]);
    e.set_reputation(a.django).unwrap();
    assert_topics::<ReputationSet>(&nth_last(0), &[t(&a.django)]);
    e.transfer_ownership(a.bob).unwrap();
    assert_topics::<OwnershipTransferred>(&nth_last(0), &[t(&a.alice), t(&a.bob)]);
    // `ChannelOpened`, `PayoutCredited` and `ReputationReportFailed` follow a
    // cross-contract call or a failing transfer, which the off-chain environment
    // cannot run: the drink suite checks their topics.
}
