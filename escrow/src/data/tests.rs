//! Tests of the escrow logic outside settlement: balances, opening and funding
//! channels, configuration, the reentrancy guard, pagination. The helpers here are
//! shared with `settle/tests.rs`.

use crate::data::{EscrowData, OpenRequest, Role};
use crate::errors::Error;
use crate::events::*;
use crate::types::{Accounting, Carried, Voucher, MAX_CHANNEL_DURATION, MAX_FEE_BPS, MAX_PAGE};
use gb_interfaces::{
    AccountId, Balance, ChannelId, ChannelState, ServiceTerms, Signer, Timestamp, VoucherDomain,
    VoucherSignature,
};
use gb_voucher::{VoucherKey, VoucherSigner as _};
use std::sync::OnceLock;

/// The escrow instance the vouchers of the tests are bound to.
pub const ESCROW: [u8; 32] = [0xE5; 32];
/// The genesis hash of the chain the test escrow is deployed for.
pub const GENESIS: [u8; 32] = [0x91; 32];
/// The test escrow on its chain: what its vouchers sign.
pub const DOMAIN: VoucherDomain = VoucherDomain::new(GENESIS, ESCROW);
pub const T0: Timestamp = 1_700_000_000_000;
pub const HOUR: Timestamp = 3_600_000;

pub fn acc(n: u8) -> AccountId {
    AccountId::from([n; 32])
}
pub fn owner() -> AccountId {
    acc(1)
}
pub fn registry() -> AccountId {
    acc(2)
}
pub fn treasury() -> AccountId {
    acc(3)
}
pub fn payee() -> AccountId {
    acc(5)
}
/// Client number `n` (0, 1, 2, …).
pub fn client(n: u8) -> AccountId {
    acc(10 + n)
}

/// Client `n`'s voucher keys (`n` < 8): sr25519 and ecdsa, both from `//client{n}`.
/// Derived once: deriving from the dev phrase runs PBKDF2 and would dominate the
/// property test's time.
fn keys(n: u8) -> &'static (VoucherKey, VoucherKey) {
    static KEYS: OnceLock<Vec<(VoucherKey, VoucherKey)>> = OnceLock::new();
    &KEYS.get_or_init(|| {
        (0..8)
            .map(|i| {
                let suri = format!("//client{i}");
                let sr = VoucherKey::sr25519(&suri).unwrap();
                (sr, VoucherKey::ecdsa(&suri).unwrap())
            })
            .collect()
    })[usize::from(n)]
}
/// Client `n`'s sr25519 voucher key.
pub fn sr_key(n: u8) -> &'static VoucherKey {
    &keys(n).0
}
/// Client `n`'s ecdsa voucher key.
pub fn ec_key(n: u8) -> &'static VoucherKey {
    &keys(n).1
}
pub fn sr_signer(n: u8) -> Signer {
    sr_key(n).signer()
}
pub fn ec_signer(n: u8) -> Signer {
    ec_key(n).signer()
}
/// Client `n`'s sr25519 signature of the voucher for `amount` on `channel` of the test
/// escrow.
pub fn sign(n: u8, channel: ChannelId, amount: Balance) -> VoucherSignature {
    sign_for(DOMAIN, n, channel, amount)
}
/// Client `n`'s sr25519 signature of the voucher for `amount` on `channel` of the escrow
/// `domain.escrow` on the chain `domain.genesis_hash`.
pub fn sign_for(
    domain: VoucherDomain,
    n: u8,
    channel: ChannelId,
    amount: Balance,
) -> VoucherSignature {
    gb_voucher::sign(sr_key(n), &domain, channel, amount).signature
}
pub fn ec_sign(n: u8, channel: ChannelId, amount: Balance) -> VoucherSignature {
    gb_voucher::sign(ec_key(n), &DOMAIN, channel, amount).signature
}
/// Client `n`'s sr25519 voucher for `amount` on `channel` of the test escrow.
pub fn voucher(n: u8, channel: ChannelId, amount: Balance) -> Voucher {
    gb_voucher::sign(sr_key(n), &DOMAIN, channel, amount)
}

/// Settings of a property test: `default` cases, or as many as the environment
/// variable `var` says; no failure files.
pub fn proptest_config(var: &str, default: u32) -> proptest::test_runner::Config {
    let cases = std::env::var(var).ok().and_then(|v| v.parse().ok());
    proptest::test_runner::Config {
        cases: cases.unwrap_or(default),
        failure_persistence: None,
        ..Default::default()
    }
}

pub fn terms(payee: AccountId) -> Option<ServiceTerms> {
    Some(ServiceTerms {
        payee,
        price: 1,
        active: true,
    })
}

pub fn setup(fee_bps: u16) -> EscrowData {
    setup_on(GENESIS, fee_bps)
}

/// A fresh escrow deployed for the chain whose genesis hash is `genesis_hash`.
pub fn setup_on(genesis_hash: [u8; 32], fee_bps: u16) -> EscrowData {
    EscrowData::new(owner(), registry(), fee_bps, treasury(), genesis_hash).unwrap()
}

pub fn request(n: u8, amount: Balance, expiry: Timestamp) -> OpenRequest {
    OpenRequest {
        payer: client(n),
        client: client(n),
        service_id: 7,
        signer: sr_signer(n),
        amount,
        expiry,
        expected: None,
    }
}

/// Client `n` deposits and opens a channel of `amount` to `payee()`, expiring in 1 h.
pub fn open(d: &mut EscrowData, n: u8, amount: Balance) -> ChannelId {
    d.open_channel(request(n, amount, T0 + HOUR), amount, terms(payee()), T0)
        .unwrap()
        .0
}

/// Everything the logic owes, summed from its parts (internal balances of the given
/// accounts, remaining funds of the given channels, fees held).
pub fn owed(d: &EscrowData, accounts: &[AccountId], channels: &[ChannelId]) -> Accounting {
    Accounting {
        balances: accounts.iter().map(|a| d.balance_of(*a)).sum(),
        locked: channels
            .iter()
            .map(|c| d.channel(*c).unwrap().remaining())
            .sum(),
        fees: d.fees_held(),
    }
}

// ---- construction and configuration --------------------------------------------------

#[ink::test]
fn new_refuses_a_fee_above_the_cap() {
    assert_eq!(
        EscrowData::new(owner(), registry(), MAX_FEE_BPS + 1, treasury(), GENESIS).unwrap_err(),
        Error::FeeTooHigh
    );
    let d = setup(MAX_FEE_BPS);
    let c = d.config();
    assert_eq!(
        (c.owner, c.service_registry, c.reputation),
        (owner(), registry(), None)
    );
    assert_eq!(
        (c.fee_bps, c.treasury, c.next_channel_id),
        (MAX_FEE_BPS, treasury(), 1)
    );
    assert_eq!(c.genesis_hash, GENESIS);
}

/// Issue 18, L8: the chain is fixed at deployment and shown by `config()`; no message
/// changes it.
#[ink::test]
fn the_genesis_hash_is_fixed_at_deployment() {
    let mut d = setup_on([0xB0; 32], 0);
    assert_eq!(d.config().genesis_hash, [0xB0; 32]);
    d.set_fee(owner(), 10, acc(4)).unwrap();
    d.set_reputation(owner(), acc(9)).unwrap();
    d.transfer_ownership(owner(), acc(9)).unwrap();
    assert_eq!(d.config().genesis_hash, [0xB0; 32]);
}

#[ink::test]
fn set_fee_and_set_reputation_are_owner_only() {
    let mut d = setup(0);
    assert_eq!(d.set_fee(acc(9), 10, acc(9)).unwrap_err(), Error::NotOwner);
    assert_eq!(
        d.set_reputation(acc(9), acc(9)).unwrap_err(),
        Error::NotOwner
    );
    assert_eq!(
        d.transfer_ownership(acc(9), acc(9)).unwrap_err(),
        Error::NotOwner
    );
    assert_eq!(
        d.set_fee(owner(), MAX_FEE_BPS + 1, acc(4)).unwrap_err(),
        Error::FeeTooHigh
    );
    assert_eq!(d.config().fee_bps, 0);

    let ev = d.set_fee(owner(), 250, acc(4)).unwrap();
    assert_eq!(
        ev,
        vec![Event::FeeChanged(FeeChanged {
            fee_bps: 250,
            treasury: acc(4)
        })]
    );
    let ev = d.set_reputation(owner(), acc(8)).unwrap();
    assert_eq!(
        ev,
        vec![Event::ReputationSet(ReputationSet {
            previous: None,
            reputation: acc(8)
        })]
    );
    let ev = d.transfer_ownership(owner(), acc(9)).unwrap();
    assert_eq!(
        ev,
        vec![Event::OwnershipTransferred(OwnershipTransferred {
            previous_owner: owner(),
            new_owner: acc(9)
        })]
    );
    let c = d.config();
    assert_eq!(
        (c.owner, c.reputation, c.fee_bps, c.treasury),
        (acc(9), Some(acc(8)), 250, acc(4))
    );
    // The old owner lost every right.
    assert_eq!(d.set_fee(owner(), 0, acc(4)).unwrap_err(), Error::NotOwner);
}

// ---- balances --------------------------------------------------------------------------

#[ink::test]
fn deposit_withdraw_transfer_move_internal_balances() {
    let mut d = setup(0);
    let (a, b) = (client(0), client(1));
    assert_eq!(d.deposit(a, 0).unwrap_err(), Error::ZeroAmount);
    assert_eq!(
        d.deposit(a, 100).unwrap(),
        vec![Event::Deposited(Deposited {
            account: a,
            amount: 100
        })]
    );
    assert_eq!(d.withdraw(a, 0).unwrap_err(), Error::ZeroAmount);
    assert_eq!(d.withdraw(a, 101).unwrap_err(), Error::InsufficientBalance);
    assert_eq!(
        d.withdraw(a, 40).unwrap(),
        vec![Event::Withdrawn(Withdrawn {
            account: a,
            amount: 40
        })]
    );
    assert_eq!(d.transfer(a, b, 0).unwrap_err(), Error::ZeroAmount);
    assert_eq!(
        d.transfer(a, b, 61).unwrap_err(),
        Error::InsufficientBalance
    );
    assert_eq!(
        d.transfer(a, b, 25).unwrap(),
        vec![Event::Transferred(Transferred {
            from: a,
            to: b,
            amount: 25
        })]
    );
    // To oneself: allowed, changes nothing.
    d.transfer(b, b, 25).unwrap();
    assert_eq!((d.balance_of(a), d.balance_of(b)), (35, 25));
    assert_eq!(
        d.accounting(),
        Accounting {
            balances: 60,
            locked: 0,
            fees: 0
        }
    );
    assert_eq!(d.accounting(), owed(&d, &[a, b], &[]));
}

#[ink::test]
fn deposit_refuses_to_overflow() {
    let mut d = setup(0);
    d.deposit(client(0), Balance::MAX).unwrap();
    assert_eq!(d.deposit(client(0), 1).unwrap_err(), Error::Overflow);
    // Another account's balance fits, but the running total would not.
    assert_eq!(d.deposit(client(1), 1).unwrap_err(), Error::Overflow);
    assert_eq!(d.balance_of(client(1)), 0);
    assert_eq!(d.accounting().balances, Balance::MAX);
}

#[ink::test]
fn transfer_and_carried_out_refuse_to_overflow_the_recipient() {
    // Unreachable with consistent totals (Σ balances ≤ total ≤ MAX): set it up by hand
    // to prove the add is checked anyway.
    let mut d = setup(0);
    d.balances.insert(client(0), &1);
    d.balances.insert(client(1), &Balance::MAX);
    assert_eq!(
        d.transfer(client(0), client(1), 1).unwrap_err(),
        Error::Overflow
    );
    assert_eq!(
        (d.balance_of(client(0)), d.balance_of(client(1))),
        (1, Balance::MAX)
    );
    let failed_payout = Carried {
        payout: Some(false),
        ..Carried::default()
    };
    assert_eq!(
        d.carried_out(client(1), 1, failed_payout).unwrap_err(),
        Error::Overflow
    );
}

#[ink::test]
fn withdraw_fees_is_for_the_treasury_only() {
    let mut d = setup(100);
    assert_eq!(d.withdraw_fees(treasury()).unwrap_err(), Error::ZeroAmount);
    d.totals.fees = 30;
    assert_eq!(d.withdraw_fees(owner()).unwrap_err(), Error::NotTreasury);
    let (amount, ev) = d.withdraw_fees(treasury()).unwrap();
    assert_eq!(amount, 30);
    assert_eq!(
        ev,
        vec![Event::FeesWithdrawn(FeesWithdrawn {
            treasury: treasury(),
            amount: 30
        })]
    );
    assert_eq!(d.fees_held(), 0);
}

// ---- reentrancy ----------------------------------------------------------------------

#[ink::test]
fn every_state_change_is_refused_while_calling_out() {
    let mut d = setup(100);
    let ch = open(&mut d, 0, 50);
    d.deposit(client(1), 10).unwrap();
    d.lock().unwrap();
    assert!(d.is_locked());
    assert_eq!(d.lock().unwrap_err(), Error::Reentrant);
    let before = d.accounting();
    assert_eq!(d.deposit(client(0), 1).unwrap_err(), Error::Reentrant);
    assert_eq!(d.withdraw(client(1), 1).unwrap_err(), Error::Reentrant);
    assert_eq!(
        d.transfer(client(1), client(0), 1).unwrap_err(),
        Error::Reentrant
    );
    assert_eq!(
        d.open_channel(request(1, 5, T0 + HOUR), 0, terms(payee()), T0)
            .unwrap_err(),
        Error::Reentrant
    );
    assert_eq!(
        d.add_funds(client(1), ch, 1, T0).unwrap_err(),
        Error::Reentrant
    );
    assert_eq!(
        d.extend(client(0), ch, T0 + 2 * HOUR, T0).unwrap_err(),
        Error::Reentrant
    );
    assert_eq!(d.withdraw_fees(treasury()).unwrap_err(), Error::Reentrant);
    assert_eq!(
        d.set_fee(owner(), 1, treasury()).unwrap_err(),
        Error::Reentrant
    );
    assert_eq!(
        d.set_reputation(owner(), acc(8)).unwrap_err(),
        Error::Reentrant
    );
    assert_eq!(
        d.transfer_ownership(owner(), acc(8)).unwrap_err(),
        Error::Reentrant
    );
    assert_eq!(d.accounting(), before);
    d.unlock();
    assert!(!d.is_locked());
    d.deposit(client(0), 1).unwrap();
}

// ---- opening channels ----------------------------------------------------------------

#[ink::test]
fn open_channel_locks_funds_for_the_registry_payee() {
    let mut d = setup(0);
    d.deposit(client(0), 30).unwrap();
    // The payee comes from the registry's terms, whatever the caller wants.
    let (id, ev) = d
        .open_channel(request(0, 100, T0 + HOUR), 70, terms(payee()), T0)
        .unwrap();
    assert_eq!(id, 1);
    assert_eq!(ev.len(), 2, "a deposit and an opening");
    assert_eq!(
        ev[0],
        Event::Deposited(Deposited {
            account: client(0),
            amount: 70
        })
    );
    let Event::ChannelOpened(o) = &ev[1] else {
        panic!("{ev:?}")
    };
    assert_eq!(
        (o.channel_id, o.client, o.payee, o.funds),
        (1, client(0), payee(), 100)
    );
    let c = d.channel(id).unwrap();
    assert_eq!(
        (c.payee, c.funds, c.claimed, c.state),
        (payee(), 100, 0, ChannelState::Open)
    );
    assert_eq!(d.balance_of(client(0)), 0);
    assert_eq!(
        d.accounting(),
        Accounting {
            balances: 0,
            locked: 100,
            fees: 0
        }
    );
    assert_eq!(d.config().next_channel_id, 2);
}

#[ink::test]
fn open_channel_for_a_client_paid_by_a_third_party() {
    let mut d = setup(0);
    d.deposit(acc(9), 50).unwrap();
    let req = OpenRequest {
        payer: acc(9),
        ..request(0, 50, T0 + HOUR)
    };
    let (id, _) = d.open_channel(req, 0, terms(payee()), T0).unwrap();
    assert_eq!(d.channel(id).unwrap().client, client(0));
    // Issue 18, L9: the payer is kept, and reputation's facts name it as the rater.
    assert_eq!(d.channel(id).unwrap().payer, acc(9));
    let facts = d.channel(id).unwrap().facts();
    assert_eq!((facts.client, facts.payer), (client(0), acc(9)));
    assert_eq!(d.balance_of(acc(9)), 0);
    assert_eq!(
        d.channels_of(Role::Client, client(0), 0, 0).channels.len(),
        1
    );
    assert_eq!(d.channels_of(Role::Client, acc(9), 0, 0).channels.len(), 0);
}

#[ink::test]
fn open_channel_rejections_leave_no_trace() {
    let mut d = setup(0);
    d.deposit(client(0), 100).unwrap();
    let ok = request(0, 10, T0 + HOUR);
    let inactive = Some(ServiceTerms {
        payee: payee(),
        price: 1,
        active: false,
    });
    let cases: Vec<(OpenRequest, Option<ServiceTerms>, Error)> = vec![
        (ok, None, Error::ServiceNotFound),
        (ok, inactive, Error::ServiceInactive),
        (
            OpenRequest {
                signer: Signer::Ecdsa([4; 33]),
                ..ok
            },
            terms(payee()),
            Error::InvalidSignerKey,
        ),
        (
            OpenRequest { amount: 0, ..ok },
            terms(payee()),
            Error::ZeroAmount,
        ),
        (
            OpenRequest { expiry: T0, ..ok },
            terms(payee()),
            Error::ExpiryInPast,
        ),
        (
            OpenRequest {
                expiry: T0 + MAX_CHANNEL_DURATION + 1,
                ..ok
            },
            terms(payee()),
            Error::ExpiryTooFar,
        ),
        (
            OpenRequest { amount: 101, ..ok },
            terms(payee()),
            Error::InsufficientBalance,
        ),
    ];
    for (req, t, err) in cases {
        assert_eq!(d.open_channel(req, 0, t, T0).unwrap_err(), err);
    }
    // The longest allowed expiry and an ecdsa signer are fine.
    let edge = OpenRequest {
        expiry: T0 + MAX_CHANNEL_DURATION,
        signer: ec_signer(0),
        ..ok
    };
    d.open_channel(edge, 0, terms(payee()), T0).unwrap();
    assert_eq!(d.config().next_channel_id, 2);
    assert_eq!(
        d.accounting(),
        Accounting {
            balances: 90,
            locked: 10,
            fees: 0
        }
    );
}

/// Issue 18, L2: a channel whose signer is the sr25519 identity (all zero) could be
/// drained by its payee with a signature anyone can make
/// (`verify::tests::forged_identity_signature`); so could be none whose ecdsa key is
/// not a curve point, but such a channel would lock its funds for nothing. Both are
/// refused at open, with nothing written.
#[cfg(not(feature = "ecdsa-only"))]
#[ink::test]
fn open_channel_refuses_degenerate_signer_keys() {
    let mut d = setup(0);
    d.deposit(client(0), 100).unwrap();
    let mut off_curve = [0u8; 33];
    off_curve[0] = 2;
    off_curve[32] = 5;
    for signer in [Signer::Sr25519([0; 32]), Signer::Ecdsa(off_curve)] {
        let req = OpenRequest {
            signer,
            ..request(0, 100, T0 + HOUR)
        };
        assert_eq!(
            d.open_channel(req, 0, terms(payee()), T0).unwrap_err(),
            Error::InvalidSignerKey
        );
    }
    assert_eq!(d.config().next_channel_id, 1);
    assert_eq!(d.balance_of(client(0)), 100);
}

/// Issue 18, L5: a client that pins the payee and price it read refuses a channel
/// whose terms changed before its open executed (a member front-running it with
/// `update_service`); nothing is written. Matching terms, or a lower price, open.
#[ink::test]
fn open_channel_with_pinned_terms_refuses_a_changed_payee_or_a_higher_price() {
    use crate::types::ExpectedTerms;
    let mut d = setup(0);
    d.deposit(client(0), 100).unwrap();
    let pinned = OpenRequest {
        expected: Some(ExpectedTerms {
            payee: payee(),
            max_price: 5,
        }),
        ..request(0, 10, T0 + HOUR)
    };
    let with = |payee, price| {
        Some(ServiceTerms {
            payee,
            price,
            active: true,
        })
    };
    assert_eq!(
        d.open_channel(pinned, 0, with(acc(66), 5), T0).unwrap_err(),
        Error::PayeeChanged
    );
    assert_eq!(
        d.open_channel(pinned, 0, with(payee(), 6), T0).unwrap_err(),
        Error::PriceChanged
    );
    assert_eq!(d.config().next_channel_id, 1);
    assert_eq!(d.balance_of(client(0)), 100);
    let (id, _) = d.open_channel(pinned, 0, with(payee(), 5), T0).unwrap();
    assert_eq!(d.channel(id).unwrap().payee, payee());
    d.open_channel(pinned, 0, with(payee(), 4), T0).unwrap();
    // Unpinned, the open takes whatever the registry says (the old behaviour).
    let (id, _) = d
        .open_channel(request(0, 10, T0 + HOUR), 0, with(acc(66), 9), T0)
        .unwrap();
    assert_eq!(d.channel(id).unwrap().payee, acc(66));
}

#[ink::test]
fn open_channel_refuses_to_overflow() {
    let mut d = setup(0);
    d.deposit(client(0), Balance::MAX).unwrap();
    // balance + value sent with the call does not fit.
    assert_eq!(
        d.open_channel(request(0, 10, T0 + HOUR), 1, terms(payee()), T0)
            .unwrap_err(),
        Error::Overflow
    );
    d.open_channel(request(0, Balance::MAX, T0 + HOUR), 0, terms(payee()), T0)
        .unwrap();
    assert_eq!(d.accounting().locked, Balance::MAX);
}

// ---- funding and extending -----------------------------------------------------------

#[ink::test]
fn add_funds_from_anyone_and_its_errors() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 10);
    d.deposit(acc(9), 20).unwrap();
    assert_eq!(
        d.add_funds(acc(9), ch, 0, T0).unwrap_err(),
        Error::ZeroAmount
    );
    assert_eq!(
        d.add_funds(acc(9), 99, 5, T0).unwrap_err(),
        Error::ChannelNotFound
    );
    assert_eq!(
        d.add_funds(acc(9), ch, 21, T0).unwrap_err(),
        Error::InsufficientBalance
    );
    let ev = d.add_funds(acc(9), ch, 15, T0).unwrap();
    assert_eq!(
        ev,
        vec![Event::FundsAdded(FundsAdded {
            channel_id: ch,
            by: acc(9),
            amount: 15,
            funds: 25
        })]
    );
    assert_eq!(d.channel(ch).unwrap().funds, 25);
    assert_eq!(
        d.accounting(),
        Accounting {
            balances: 5,
            locked: 25,
            fees: 0
        }
    );
    // Closed channels take no more funds.
    d.refund(client(0), ch, T0 + HOUR).unwrap();
    assert_eq!(
        d.add_funds(acc(9), ch, 1, T0).unwrap_err(),
        Error::ChannelClosed
    );
}

#[ink::test]
fn add_funds_refuses_to_overflow() {
    let mut d = setup(0);
    d.deposit(client(1), Balance::MAX - 10).unwrap();
    let ch = open_from_balance(&mut d, 1, Balance::MAX - 10);
    // Funds that cannot exist cannot be added: build the state by hand.
    d.balances.insert(client(2), &20);
    assert_eq!(
        d.add_funds(client(2), ch, 20, T0).unwrap_err(),
        Error::Overflow
    );
    assert_eq!(d.channel(ch).unwrap().funds, Balance::MAX - 10);
}

fn open_from_balance(d: &mut EscrowData, n: u8, amount: Balance) -> ChannelId {
    d.open_channel(request(n, amount, T0 + HOUR), 0, terms(payee()), T0)
        .unwrap()
        .0
}

#[ink::test]
fn extend_moves_the_expiry_forward_only() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 10);
    let expiry = d.channel(ch).unwrap().expiry;
    assert_eq!(
        d.extend(client(0), 99, expiry + 1, T0).unwrap_err(),
        Error::ChannelNotFound
    );
    assert_eq!(
        d.extend(client(1), ch, expiry + 1, T0).unwrap_err(),
        Error::NotClient
    );
    assert_eq!(
        d.extend(payee(), ch, expiry + 1, T0).unwrap_err(),
        Error::NotClient
    );
    assert_eq!(
        d.extend(client(0), ch, expiry, T0).unwrap_err(),
        Error::ExpiryNotLater
    );
    assert_eq!(
        d.extend(client(0), ch, expiry - 1, T0).unwrap_err(),
        Error::ExpiryNotLater
    );
    assert_eq!(
        d.extend(client(0), ch, T0 + MAX_CHANNEL_DURATION + 1, T0)
            .unwrap_err(),
        Error::ExpiryTooFar
    );
    // After it passed (not yet refunded) the expiry must still land in the future.
    let late = expiry + 10;
    assert_eq!(
        d.extend(client(0), ch, expiry + 5, late).unwrap_err(),
        Error::ExpiryInPast
    );
    let ev = d.extend(client(0), ch, late + HOUR, late).unwrap();
    assert_eq!(
        ev,
        vec![Event::ChannelExtended(ChannelExtended {
            channel_id: ch,
            expiry: late + HOUR
        })]
    );
    assert_eq!(d.channel(ch).unwrap().expiry, late + HOUR);
    d.refund(client(0), ch, late + HOUR).unwrap();
    assert_eq!(
        d.extend(client(0), ch, late + 2 * HOUR, late).unwrap_err(),
        Error::ChannelClosed
    );
}

// ---- reads ---------------------------------------------------------------------------

#[ink::test]
fn channels_of_pages_are_bounded() {
    let mut d = setup(0);
    let n = MAX_PAGE + 3;
    for _ in 0..n {
        open(&mut d, 0, 1);
    }
    open(&mut d, 1, 1);
    assert_eq!(d.channel_count(Role::Client, client(0)), n);
    assert_eq!(d.channel_count(Role::Payee, payee()), n + 1);
    // limit 0 and limits above the maximum mean MAX_PAGE.
    for limit in [0, MAX_PAGE + 100] {
        let page = d.channels_of(Role::Client, client(0), 0, limit);
        assert_eq!(page.channels.len() as u32, MAX_PAGE);
        assert_eq!(page.next_cursor, Some(MAX_PAGE));
    }
    let rest = d.channels_of(Role::Client, client(0), MAX_PAGE, 10);
    assert_eq!(
        rest.channels.iter().map(|c| c.id).collect::<Vec<_>>(),
        vec![33, 34, 35]
    );
    assert_eq!(rest.next_cursor, None);
    let small = d.channels_of(Role::Payee, payee(), 34, 1);
    assert_eq!(small.channels[0].id, 35);
    assert_eq!(small.next_cursor, Some(35));
    assert_eq!(small.channels[0].client, client(0));
    let last = d.channels_of(Role::Payee, payee(), 35, 1);
    assert_eq!(
        (last.channels[0].client, last.next_cursor),
        (client(1), None)
    );
    // A cursor past the end is an empty last page, not an error.
    assert_eq!(
        d.channels_of(Role::Client, client(0), 1_000, 5)
            .channels
            .len(),
        0
    );
    assert_eq!(
        d.channels_of(Role::Client, client(0), u32::MAX, u32::MAX)
            .next_cursor,
        None
    );
    assert!(d.channel(999).is_none());
}
