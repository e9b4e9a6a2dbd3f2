//! Model-based property test of the escrow logic (`EscrowData` and settlement):
//! random call sequences over 3 clients and 2 payees, with the native money flows
//! modelled explicitly, and after every step:
//!
//! * deposited − withdrawn − paid out − fees withdrawn == Σ internal balances +
//!   Σ open channels' (funds − claimed) + fees held == `accounting()`, part by part;
//! * every channel's `claimed` ≤ the highest amount a valid (client-signed) voucher
//!   for it ever authorized, and ≤ its funds; each payee received exactly its
//!   channels' claims net of fees;
//! * forged vouchers (another client's key), claims and closes by the other payee and
//!   refunds by another client never succeed; in a batch they fail only their entry.
//!
//! Real signatures cost ~0.2 s per case in an unoptimized build, so the test swaps in
//! `MacVerifier`, whose "signature" is `blake2_256(key ‖ message)` twice: a forged
//! voucher (made with another client's key) fails as a real one by the wrong key does.
//! Real sr25519 / ecdsa verification is tested in `verify/tests.rs` and
//! `settle/tests.rs`. More cases: `GB_ESCROW_CASES=20000 cargo test -p escrow model`.

use crate::data::tests::{
    acc, client, owed, owner, proptest_config, treasury, DOMAIN, ESCROW, GENESIS, HOUR, T0,
};
use crate::data::{EscrowData, OpenRequest};
use crate::errors::Error;
use crate::events::Event;
use crate::settle::SettleContext;
use crate::types::{FinalVoucher, Voucher, MAX_FEE_BPS};
use crate::verify::VoucherVerifier;
use gb_interfaces::{
    voucher_message, AccountId, Balance, ChannelId, ChannelState, ServiceTerms, Signer, Timestamp,
    VoucherSignature, VOUCHER_LEN,
};
use proptest::prelude::*;

struct MacVerifier;

fn mac(key: &[u8; 32], message: &[u8]) -> [u8; 64] {
    let half = sp_core::hashing::blake2_256(&[&key[..], message].concat());
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&half);
    sig[32..].copy_from_slice(&half);
    sig
}

impl VoucherVerifier for MacVerifier {
    fn verify(
        &self,
        signer: &Signer,
        message: &[u8; VOUCHER_LEN],
        signature: &VoucherSignature,
    ) -> Result<(), Error> {
        match (signer, signature) {
            (Signer::Sr25519(key), VoucherSignature::Sr25519(sig)) if *sig == mac(key, message) => {
                Ok(())
            }
            (Signer::Sr25519(_), VoucherSignature::Sr25519(_)) => Err(Error::InvalidSignature),
            _ => Err(Error::SchemeMismatch),
        }
    }
}

const CLIENTS: u8 = 3;
const PAYEES: u8 = 2;

fn prop_payee(p: u8) -> AccountId {
    acc(5 + p)
}
fn mac_key(client: u8) -> [u8; 32] {
    [0x40 + client; 32]
}
fn mac_sign(client: u8, channel: ChannelId, amount: Balance) -> VoucherSignature {
    VoucherSignature::Sr25519(mac(
        &mac_key(client),
        &voucher_message(&DOMAIN, channel, amount),
    ))
}

/// One voucher of a random step: channel pick, amount above `claimed` (0..63, so 0
/// is a replay), forged (signed by another client's key).
type Pick = (usize, u16, bool);

#[derive(Clone, Debug)]
enum Op {
    Deposit(u8, u16),
    Withdraw(u8, u16),
    Transfer(u8, u8, u16),
    /// Client, amount, payee, expiry (eighths of an hour), paid by a third party.
    Open(u8, u16, u8, u8, bool),
    AddFunds(u8, usize, u16),
    Extend(usize, u8),
    /// Calling payee and the voucher.
    Claim(u8, Pick),
    Batch(u8, Vec<Pick>),
    /// Calling payee, the voucher, whether it is given.
    Close(u8, Pick, bool),
    /// Calling client, channel.
    Refund(u8, usize),
    Advance(u8),
    WithdrawFees,
    SetFee(u16),
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..CLIENTS;
    let payee = 0..PAYEES;
    let pick = (any::<usize>(), any::<u16>(), proptest::bool::weighted(0.2));
    prop_oneof![
        1 => (who.clone(), any::<u16>()).prop_map(|(w, a)| Op::Deposit(w, a)),
        1 => (who.clone(), any::<u16>()).prop_map(|(w, a)| Op::Withdraw(w, a)),
        1 => (who.clone(), who.clone(), any::<u16>())
            .prop_map(|(f, t, a)| Op::Transfer(f, t, a)),
        2 => (who.clone(), any::<u16>(), payee.clone(), any::<u8>(), any::<bool>())
            .prop_map(|(w, a, p, h, third)| Op::Open(w, a, p, h, third)),
        1 => (who.clone(), any::<usize>(), any::<u16>())
            .prop_map(|(w, c, a)| Op::AddFunds(w, c, a)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(c, h)| Op::Extend(c, h)),
        3 => (payee.clone(), pick).prop_map(|(p, v)| Op::Claim(p, v)),
        2 => (payee.clone(), proptest::collection::vec(pick, 0..6))
            .prop_map(|(p, vs)| Op::Batch(p, vs)),
        1 => (payee, pick, any::<bool>()).prop_map(|(p, v, given)| Op::Close(p, v, given)),
        1 => (who, any::<usize>()).prop_map(|(w, c)| Op::Refund(w, c)),
        1 => (0u8..4).prop_map(Op::Advance),
        1 => Just(Op::WithdrawFees),
        1 => (0u16..1_200).prop_map(Op::SetFee),
    ]
}

/// The model: native money in and out of the contract, and per channel its client,
/// payee and the highest amount any valid (client-signed) voucher authorized.
#[derive(Default)]
struct Model {
    deposited: Balance,
    withdrawn: Balance,
    /// Net payouts sent to each payee.
    received: [Balance; PAYEES as usize],
    fees_taken: Balance,
    fees_out: Balance,
    /// (id, client, payee, highest valid voucher amount).
    channels: Vec<(ChannelId, u8, u8, Balance)>,
    /// The fee in force when each channel opened: its claims' fee (issue 18, L3).
    fee_at_open: std::collections::BTreeMap<ChannelId, u16>,
    /// When each channel opened (security review M2: a failure's lock duration is at
    /// most its expiry minus this).
    opened_at: std::collections::BTreeMap<ChannelId, Timestamp>,
}

impl Model {
    fn pick(&self, i: usize) -> Option<(ChannelId, u8, u8)> {
        let n = self.channels.len();
        (n > 0).then(|| {
            let (id, w, p, _) = self.channels[i % n];
            (id, w, p)
        })
    }
    /// A voucher for the picked channel: (channel, amount, signature, valid?).
    fn voucher(&mut self, d: &EscrowData, v: Pick) -> Option<(Voucher, bool)> {
        let (c, a, forged) = v;
        let n = self.channels.len();
        let (id, w, _) = self.pick(c)?;
        let amount = d.channel(id).unwrap().claimed + Balance::from(a % 64);
        let signer = if forged { (w + 1) % CLIENTS } else { w };
        if !forged {
            let max = &mut self.channels[c % n].3;
            *max = (*max).max(amount);
        }
        Some((
            Voucher::new(id, amount, mac_sign(signer, id, amount)),
            !forged,
        ))
    }
    /// Books what a settling call paid, from its `Claimed` events and payout.
    fn settled(&mut self, payee: u8, payout: Balance, events: &[Event]) -> Balance {
        let (mut gross, mut fees) = (0, 0);
        for e in events {
            if let Event::Claimed(c) = e {
                assert_eq!(c.paid, c.claims.iter().map(|l| l.paid).sum::<Balance>());
                assert_eq!(c.fee, c.claims.iter().map(|l| l.fee).sum::<Balance>());
                for l in &c.claims {
                    let bps = Balance::from(self.fee_at_open[&l.channel_id]);
                    assert_eq!(
                        l.fee,
                        l.paid * bps / 10_000,
                        "the fee of the channel's open"
                    );
                }
                gross += c.paid;
                fees += c.fee;
            }
        }
        assert_eq!(gross - fees, payout, "the payout is the claims net of fees");
        self.received[payee as usize] += payout;
        self.fees_taken += fees;
        gross
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut d = EscrowData::new(owner(), acc(2), 100, treasury(), GENESIS).unwrap();
    let mut now = T0;
    let mut m = Model::default();
    let mut accounts: Vec<AccountId> = (0..CLIENTS).map(client).collect();
    accounts.extend((0..PAYEES).map(prop_payee));
    for op in ops {
        match op.clone() {
            Op::Deposit(w, a) => {
                if d.deposit(client(w), a.into()).is_ok() {
                    m.deposited += Balance::from(a);
                }
            }
            Op::Withdraw(w, a) => {
                if d.withdraw(client(w), a.into()).is_ok() {
                    m.withdrawn += Balance::from(a);
                }
            }
            Op::Transfer(f, t, a) => {
                let _ = d.transfer(client(f), client(t), a.into());
            }
            Op::Open(w, a, p, h, third_party) => {
                let payer = if third_party {
                    client((w + 1) % CLIENTS)
                } else {
                    client(w)
                };
                let req = OpenRequest {
                    payer,
                    client: client(w),
                    service_id: 7 + Timestamp::from(p),
                    signer: Signer::Sr25519(mac_key(w)),
                    amount: (a % 500).into(),
                    expiry: now + Timestamp::from(h) * HOUR / 8,
                    expected: None,
                };
                let sent = Balance::from(a % 7);
                let terms = ServiceTerms {
                    payee: prop_payee(p),
                    price: 1,
                    active: true,
                };
                let fee_bps = d.config().fee_bps;
                if let Ok((id, _)) = d.open_channel(req, sent, Some(terms), now) {
                    m.fee_at_open.insert(id, fee_bps);
                    m.opened_at.insert(id, now);
                    m.deposited += sent;
                    m.channels.push((id, w, p, 0));
                }
            }
            Op::AddFunds(w, c, a) => {
                if let Some((id, _, _)) = m.pick(c) {
                    let _ = d.add_funds(client(w), id, (a % 100).into(), now);
                }
            }
            Op::Extend(c, h) => {
                if let Some((id, w, _)) = m.pick(c) {
                    let _ = d.extend(client(w), id, now + Timestamp::from(h) * HOUR / 4, now);
                }
            }
            Op::Claim(p, v) => {
                let Some((voucher, valid)) = m.voucher(&d, v) else {
                    continue;
                };
                let (_, _, payee) = m.pick(v.0).unwrap();
                let ctx = mac_ctx(prop_payee(p), now);
                match d.claim(&ctx, &voucher) {
                    Ok((paid, s, ev)) => {
                        prop_assert!(valid && p == payee, "forged or foreign claim paid");
                        prop_assert_eq!(m.settled(p, s.payout, &ev), paid);
                    }
                    Err(e) if p != payee => prop_assert_eq!(e, Error::NotPayee),
                    Err(_) => {}
                }
            }
            Op::Batch(p, picks) => {
                let mut batch = Vec::new();
                let mut expect = Vec::new();
                for v in picks {
                    if let Some((voucher, valid)) = m.voucher(&d, v) {
                        let (_, _, payee) = m.pick(v.0).unwrap();
                        batch.push(voucher);
                        expect.push((valid, payee == p));
                    }
                }
                let ctx = mac_ctx(prop_payee(p), now);
                let (outcomes, s, ev) = d.claim_batch(&ctx, &batch).unwrap();
                prop_assert_eq!(outcomes.len(), batch.len());
                for (outcome, (valid, own)) in outcomes.iter().zip(&expect) {
                    if !own {
                        prop_assert_eq!(outcome, &Err(Error::NotPayee));
                    } else if !valid {
                        prop_assert!(outcome.is_err(), "a forged voucher was paid");
                    }
                }
                let gross: Balance = outcomes.iter().filter_map(|o| o.as_ref().ok()).sum();
                prop_assert_eq!(m.settled(p, s.payout, &ev), gross);
            }
            Op::Close(p, v, given) => {
                let Some((id, _, payee)) = m.pick(v.0) else {
                    continue;
                };
                let voucher = if given { m.voucher(&d, v) } else { None };
                let forged = voucher.as_ref().is_some_and(|(_, valid)| !valid);
                let final_voucher = voucher.map(|(v, _)| FinalVoucher {
                    amount: v.amount,
                    signature: v.signature,
                });
                let ctx = mac_ctx(prop_payee(p), now);
                match d.close(&ctx, id, final_voucher) {
                    Ok((_, s, ev)) => {
                        prop_assert!(!forged && p == payee, "forged or foreign close");
                        m.settled(p, s.payout, &ev);
                        prop_assert_eq!(d.channel(id).unwrap().state, ChannelState::Closed);
                    }
                    Err(e) if p != payee => prop_assert_eq!(e, Error::NotPayee),
                    Err(_) => {}
                }
            }
            Op::Refund(w, c) => {
                if let Some((id, owner_w, _)) = m.pick(c) {
                    let before = d.channel(id).unwrap();
                    match d.refund(client(w), id, now) {
                        Ok((_, effects, _)) => {
                            prop_assert!(now >= before.expiry && w == owner_w);
                            // An unserved channel reports its funds and a lock no
                            // longer than its life (M2); a served one nothing.
                            match effects.failure {
                                Some(f) => {
                                    prop_assert_eq!((before.claimed, f.locked), (0, before.funds));
                                    let life = before.expiry - m.opened_at[&id];
                                    prop_assert!(f.locked_for <= life);
                                }
                                None => prop_assert!(before.claimed > 0),
                            }
                        }
                        Err(_) => prop_assert_eq!(d.channel(id).unwrap(), before),
                    }
                }
            }
            Op::Advance(h) => now += Timestamp::from(h) * HOUR / 2,
            Op::WithdrawFees => {
                if let Ok((amount, _)) = d.withdraw_fees(treasury()) {
                    m.fees_out += amount;
                }
            }
            Op::SetFee(bps) => {
                let r = d.set_fee(owner(), bps, treasury());
                prop_assert_eq!(r.is_ok(), bps <= MAX_FEE_BPS);
            }
        }
        check(&d, &m, &accounts)?;
    }
    Ok(())
}

/// The invariants after every step.
fn check(d: &EscrowData, m: &Model, accounts: &[AccountId]) -> Result<(), TestCaseError> {
    // Native money in − out == what the contract holds == what it owes, part by part.
    let paid_out: Balance = m.received.iter().sum();
    let held = m.deposited - m.withdrawn - paid_out - m.fees_out;
    let totals = d.accounting();
    let ids: Vec<ChannelId> = m.channels.iter().map(|c| c.0).collect();
    prop_assert_eq!(totals, owed(d, accounts, &ids));
    prop_assert_eq!(totals.total(), held);
    prop_assert_eq!(totals.fees, m.fees_taken - m.fees_out);
    // Each payee got exactly its channels' claims net of fees, and no channel paid
    // more than its highest valid voucher (nor its funds).
    let mut claimed_by = [0 as Balance; PAYEES as usize];
    for &(id, _, p, valid_max) in &m.channels {
        let c = d.channel(id).unwrap();
        prop_assert!(
            c.claimed <= valid_max,
            "channel {} paid beyond its vouchers",
            id
        );
        prop_assert!(c.claimed <= c.funds);
        claimed_by[p as usize] += c.claimed;
    }
    prop_assert_eq!(claimed_by.iter().sum::<Balance>(), paid_out + m.fees_taken);
    for (received, claimed) in m.received.iter().zip(&claimed_by) {
        prop_assert!(received <= claimed);
    }
    Ok(())
}

fn mac_ctx(caller: AccountId, now: Timestamp) -> SettleContext<'static, MacVerifier> {
    SettleContext {
        caller,
        now,
        escrow: ESCROW,
        verifier: &MacVerifier,
    }
}

proptest! {
    #![proptest_config(proptest_config("GB_ESCROW_CASES", 1_000))]
    #[test]
    fn model_money_is_conserved_and_payees_get_only_valid_vouchers(
        ops in proptest::collection::vec(op(), 1..40)
    ) {
        let mut result = Ok(());
        ink::env::test::run_test::<ink::env::DefaultEnvironment, _>(|_| {
            result = run(&ops);
            Ok(())
        })
        .unwrap();
        result?;
    }
}
