//! Tests of settlement: claim, claim_batch, close, refund — every rejection, the fee, the
//! per-service aggregation. Conservation over random call sequences is the property
//! test in `model_tests.rs`. Signatures are real (sp-core keys, verified by
//! `ChainVerifier` through ink's off-chain engine, which implements `sr25519_verify`
//! and `ecdsa_recover`).

use crate::data::tests::*;
use crate::data::EscrowData;
use crate::errors::Error;
use crate::events::*;
use crate::settle::SettleContext;
use crate::types::{Accounting, Failure, FinalVoucher, Voucher, MAX_BATCH};
use crate::verify::ChainVerifier;
use gb_interfaces::{
    AccountId, Balance, ChannelId, ChannelState, Settlement, Timestamp, VoucherDomain,
    VoucherSignature,
};
use gb_voucher::VoucherSigner as _;

fn ctx(caller: AccountId, now: Timestamp) -> SettleContext<'static, ChainVerifier> {
    SettleContext {
        caller,
        now,
        escrow: ESCROW,
        verifier: &ChainVerifier,
    }
}
fn by_payee() -> SettleContext<'static, ChainVerifier> {
    ctx(payee(), T0 + 1)
}

/// Client `n`'s final voucher for `close`.
fn final_voucher(n: u8, channel: ChannelId, amount: Balance) -> FinalVoucher {
    FinalVoucher {
        amount,
        signature: sign(n, channel, amount),
    }
}

/// The failure report of client 0's unserved 100-planck channel with service 7
/// (opened at `T0`, expiring an hour later).
fn unserved_7() -> Failure {
    Failure {
        service_id: 7,
        client: client(0),
        locked: 100,
        locked_for: HOUR,
    }
}

/// Claims one voucher; on success also returns the net payout.
fn claim(d: &mut EscrowData, v: Voucher) -> Result<(Balance, Balance), Error> {
    d.claim(&by_payee(), &v)
        .map(|(paid, effects, _)| (paid, effects.payout))
}

// ---- claim: success and fee ------------------------------------------------------------

#[ink::test]
fn claim_pays_the_increase_minus_the_fee() {
    let mut d = setup(250); // 2.5 %
    let ch = open(&mut d, 0, 1_000);
    let (paid, effects, ev) = d.claim(&by_payee(), &voucher(0, ch, 400)).unwrap();
    assert_eq!(paid, 400);
    assert_eq!(effects.payout, 390);
    assert_eq!(
        effects.settlements,
        vec![Settlement {
            service_id: 7,
            channel_id: ch,
            claimed_before: 0,
            paid: 400,
        }]
    );
    assert_eq!(effects.failure, None);
    assert_eq!(
        ev,
        vec![Event::Claimed(Claimed {
            payee: payee(),
            claims: vec![ChannelClaim {
                channel_id: ch,
                claimed: 400,
                paid: 400,
                fee: 10
            }],
            paid: 400,
            fee: 10
        })]
    );
    // Cumulative: the next voucher pays only the increase.
    assert_eq!(claim(&mut d, voucher(0, ch, 1_000)), Ok((600, 585)));
    let c = d.channel(ch).unwrap();
    assert_eq!(
        (c.claimed, c.last_claim_at, c.state),
        (1_000, T0 + 1, ChannelState::Open)
    );
    assert_eq!(
        d.accounting(),
        Accounting {
            balances: 0,
            locked: 0,
            fees: 25
        }
    );
}

#[ink::test]
fn claim_fee_rounds_down_and_never_exceeds_the_claim() {
    let mut d = setup(1_000);
    let ch = open(&mut d, 0, 100);
    assert_eq!(claim(&mut d, voucher(0, ch, 9)), Ok((9, 9))); // fee 0.9 → 0
    assert_eq!(claim(&mut d, voucher(0, ch, 19)), Ok((10, 9))); // fee 1
    assert_eq!(d.fees_held(), 1);
}

/// Issue 18, L3: the fee is the one in force when the channel opened. The owner
/// raising it (to the 10 % cap) after vouchers were signed does not touch open
/// channels, in a claim, a batch or a close; channels opened afterwards pay the new fee.
#[ink::test]
fn the_fee_is_fixed_per_channel_when_it_opens() {
    let mut d = setup(100); // 1 %
    let old = open(&mut d, 0, 1_000);
    let old_too = open(&mut d, 1, 1_000);
    let old_closed = open(&mut d, 2, 1_000);
    d.set_fee(owner(), 1_000, treasury()).unwrap();
    let new = open(&mut d, 3, 1_000);
    assert_eq!(d.channel(old).unwrap().fee_bps, 100);
    assert_eq!(d.channel(new).unwrap().fee_bps, 1_000);
    assert_eq!(claim(&mut d, voucher(0, old, 100)), Ok((100, 99)));
    let (_, effects, _) = d
        .claim_batch(
            &by_payee(),
            &[voucher(1, old_too, 100), voucher(3, new, 100)],
        )
        .unwrap();
    assert_eq!(effects.payout, 99 + 90);
    d.close(
        &by_payee(),
        old_closed,
        Some(final_voucher(2, old_closed, 100)),
    )
    .unwrap();
    assert_eq!(d.fees_held(), 1 + 1 + 10 + 1);
    // Lowering the fee does not lower an open channel's either: both sides agreed to it.
    d.set_fee(owner(), 0, treasury()).unwrap();
    assert_eq!(claim(&mut d, voucher(3, new, 200)), Ok((100, 90)));
}

/// Issue 18, L9: an unserved channel opened by a third party for a client is reported
/// as a failure in the payer's name (reputation counts failures once per payer,
/// service and day: one funded account cannot fail a service once per sock), and the
/// refund still goes to the client.
#[ink::test]
fn an_unserved_channel_opened_for_a_client_reports_the_failure_as_its_payer() {
    let mut d = setup(0);
    d.deposit(acc(9), 100).unwrap();
    let req = crate::data::OpenRequest {
        payer: acc(9),
        ..request(0, 100, T0 + HOUR)
    };
    let (ch, _) = d.open_channel(req, 0, terms(payee()), T0).unwrap();
    let (refunded, effects, _) = d.refund(client(0), ch, T0 + HOUR).unwrap();
    assert_eq!(refunded, 100);
    assert_eq!(d.balance_of(client(0)), 100);
    assert_eq!(
        effects.failure,
        Some(Failure {
            client: acc(9),
            ..unserved_7()
        })
    );
}

// ---- claim: every rejection ------------------------------------------------------------

#[ink::test]
fn claim_rejections_each_have_their_error_and_change_nothing() {
    let mut d = setup(100);
    let ch = open(&mut d, 0, 100);
    let other = open(&mut d, 1, 100);
    claim(&mut d, voucher(0, ch, 10)).unwrap();
    let before = (d.channel(ch), d.channel(other), d.accounting());

    // Wrong key (another client signed).
    assert_eq!(
        claim(&mut d, voucher(1, ch, 20)),
        Err(Error::InvalidSignature)
    );
    // The client's signature, but for another channel.
    assert_eq!(
        claim(&mut d, Voucher::new(ch, 20, sign(0, other, 20))),
        Err(Error::InvalidSignature)
    );
    // For another amount than the one claimed.
    assert_eq!(
        claim(&mut d, Voucher::new(ch, 20, sign(0, ch, 21))),
        Err(Error::InvalidSignature)
    );
    // For the same channel id of another escrow instance.
    assert_eq!(
        claim(
            &mut d,
            Voucher::new(
                ch,
                20,
                sign_for(VoucherDomain::new(GENESIS, [0xAB; 32]), 0, ch, 20)
            )
        ),
        Err(Error::InvalidSignature)
    );
    // For the same escrow address and channel id on another chain (issue 18 L8).
    assert_eq!(
        claim(
            &mut d,
            Voucher::new(
                ch,
                20,
                sign_for(VoucherDomain::new([0xB0; 32], ESCROW), 0, ch, 20)
            )
        ),
        Err(Error::InvalidSignature)
    );
    // Garbage bytes.
    assert_eq!(
        claim(
            &mut d,
            Voucher::new(ch, 20, VoucherSignature::Sr25519([7; 64]))
        ),
        Err(Error::InvalidSignature)
    );
    // Wrong scheme for the channel's signer.
    assert_eq!(
        claim(&mut d, Voucher::new(ch, 20, ec_sign(0, ch, 20))),
        Err(Error::SchemeMismatch)
    );
    // Replay and stale vouchers.
    assert_eq!(
        claim(&mut d, voucher(0, ch, 10)),
        Err(Error::AmountNotAboveClaimed)
    );
    assert_eq!(
        claim(&mut d, voucher(0, ch, 5)),
        Err(Error::AmountNotAboveClaimed)
    );
    // More than the channel holds, up to the largest amount.
    assert_eq!(
        claim(&mut d, voucher(0, ch, 101)),
        Err(Error::AmountExceedsFunds)
    );
    assert_eq!(
        claim(&mut d, voucher(0, ch, Balance::MAX)),
        Err(Error::AmountExceedsFunds)
    );
    // Claimed by someone who is not the payee (the client itself, a stranger).
    for caller in [client(0), acc(9)] {
        assert_eq!(
            d.claim(&ctx(caller, T0 + 1), &voucher(0, ch, 20))
                .map(|r| r.0),
            Err(Error::NotPayee)
        );
    }
    // Unknown channel.
    assert_eq!(
        claim(&mut d, voucher(0, 99, 20)),
        Err(Error::ChannelNotFound)
    );
    assert_eq!((d.channel(ch), d.channel(other), d.accounting()), before);

    // While escrow calls out, claims are refused.
    d.lock().unwrap();
    assert_eq!(claim(&mut d, voucher(0, ch, 20)), Err(Error::Reentrant));
    d.unlock();
    assert_eq!(claim(&mut d, voucher(0, ch, 20)), Ok((10, 10)));
}

#[ink::test]
fn claim_refused_after_close_or_refund() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 100);
    d.close(&by_payee(), ch, None).unwrap();
    assert_eq!(claim(&mut d, voucher(0, ch, 10)), Err(Error::ChannelClosed));
    let ch2 = open(&mut d, 1, 100);
    d.refund(client(1), ch2, T0 + HOUR).unwrap();
    assert_eq!(
        claim(&mut d, voucher(1, ch2, 10)),
        Err(Error::ChannelClosed)
    );
}

#[ink::test]
fn claim_accepts_ecdsa_and_wrapped_sr25519_vouchers() {
    let mut d = setup(0);
    d.deposit(client(0), 100).unwrap();
    let req = crate::data::OpenRequest {
        signer: ec_signer(0),
        ..request(0, 100, T0 + HOUR)
    };
    let (ec_ch, _) = d.open_channel(req, 0, terms(payee()), T0).unwrap();
    assert_eq!(
        claim(&mut d, Voucher::new(ec_ch, 30, ec_sign(0, ec_ch, 30))),
        Ok((30, 30))
    );
    assert_eq!(
        claim(&mut d, voucher(0, ec_ch, 40)),
        Err(Error::SchemeMismatch)
    );

    let ch = open(&mut d, 1, 100);
    // Signed over `<Bytes>` ‖ message ‖ `</Bytes>`, as a browser wallet's `signRaw` does.
    let wallet = sr_key(1).clone().wrapped();
    let wrapped = gb_voucher::sign(&wallet, &DOMAIN, ch, 50);
    assert_ne!(wrapped.signature, sign(1, ch, 50));
    assert_eq!(claim(&mut d, wrapped), Ok((50, 50)));
}

// ---- the chain (issue 18 L8) -------------------------------------------------------------

/// Issue 18, L8: pallet-contracts addresses are `hash(deployer, code hash, input, salt)`,
/// so one deployer with the same code and salt gets the same escrow address on two
/// chains, whose channel ids both start at 1. A voucher signed for chain A pays on A and
/// is refused (`InvalidSignature`) by the escrow at the same address on chain B, alone,
/// in a batch and as `close`'s final voucher; nothing changes on B. A v1 voucher (no
/// chain) is refused on both.
#[ink::test]
fn a_voucher_signed_for_one_chain_is_refused_by_the_same_escrow_on_another() {
    const A: [u8; 32] = [0xA1; 32];
    const B: [u8; 32] = [0xB2; 32];
    let (mut on_a, mut on_b) = (setup_on(A, 100), setup_on(B, 100));
    let (ch_a, ch_b) = (open(&mut on_a, 0, 100), open(&mut on_b, 0, 100));
    assert_eq!(ch_a, ch_b, "the same channel id on both chains");
    let for_a = gb_voucher::sign(sr_key(0), &VoucherDomain::new(A, ESCROW), ch_a, 40);
    let before = (on_b.channel(ch_b), on_b.accounting());
    let bad = Error::InvalidSignature;
    assert_eq!(claim(&mut on_b, for_a), Err(bad));
    let (outcomes, effects, events) = on_b.claim_batch(&by_payee(), &[for_a, for_a]).unwrap();
    assert_eq!(outcomes, vec![Err(bad), Err(bad)]);
    assert_eq!((effects.payout, events.len()), (0, 0));
    let final_for_a = FinalVoucher {
        amount: for_a.amount,
        signature: for_a.signature,
    };
    assert_eq!(
        on_b.close(&by_payee(), ch_b, Some(final_for_a)).map(|_| ()),
        Err(bad)
    );
    assert_eq!((on_b.channel(ch_b), on_b.accounting()), before);
    // An ecdsa channel likewise.
    let ec_ch_b = on_b
        .open_channel(
            crate::data::OpenRequest {
                signer: ec_signer(0),
                ..request(0, 100, T0 + HOUR)
            },
            100,
            terms(payee()),
            T0,
        )
        .unwrap()
        .0;
    let ec_for_a_there = gb_voucher::sign(ec_key(0), &VoucherDomain::new(A, ESCROW), ec_ch_b, 40);
    assert_eq!(claim(&mut on_b, ec_for_a_there), Err(bad));
    // On its own chain the voucher pays.
    assert_eq!(claim(&mut on_a, for_a).map(|(paid, _)| paid), Ok(40));
    // A v1 voucher of this escrow address, channel and amount: refused on both chains.
    for d in [&mut on_a, &mut on_b] {
        let old = gb_interfaces::voucher::v1::voucher_message(&ESCROW, ch_a, 60);
        let v1 = Voucher::new(ch_a, 60, sr_key(0).sign_message(&old));
        assert_eq!(claim(d, v1), Err(bad));
    }
}

// ---- claim_batch -----------------------------------------------------------------------

#[ink::test]
fn claim_batch_bad_voucher_fails_only_its_own_entry() {
    let mut d = setup(100);
    let a = open(&mut d, 0, 100);
    let b = open(&mut d, 1, 100);
    let c = open(&mut d, 2, 100);
    let batch = vec![
        voucher(0, a, 50),
        voucher(0, b, 60), // signed by the wrong client
        voucher(2, c, 100),
        voucher(0, a, 80), // same channel again, higher: fine
        voucher(0, a, 70), // lower than what this batch already claimed
        voucher(0, 99, 1),
    ];
    let (outcomes, effects, ev) = d.claim_batch(&by_payee(), &batch).unwrap();
    assert_eq!(
        outcomes,
        vec![
            Ok(50),
            Err(Error::InvalidSignature),
            Ok(100),
            Ok(30),
            Err(Error::AmountNotAboveClaimed),
            Err(Error::ChannelNotFound)
        ]
    );
    // One payout for the whole batch, one settlement per channel that paid (channel a
    // twice in the batch: once, with both increases).
    assert_eq!(effects.payout, 180 - 1);
    let settled = |channel_id, paid| Settlement {
        service_id: 7,
        channel_id,
        claimed_before: 0,
        paid,
    };
    assert_eq!(effects.settlements, vec![settled(a, 80), settled(c, 100)]);
    // One Claimed event for the batch, listing each voucher that paid, in order.
    let listed = |c: ChannelId, claimed, paid, fee| ChannelClaim {
        channel_id: c,
        claimed,
        paid,
        fee,
    };
    assert_eq!(
        ev,
        vec![Event::Claimed(Claimed {
            payee: payee(),
            claims: vec![
                listed(a, 50, 50, 0),
                listed(c, 100, 100, 1),
                listed(a, 80, 30, 0)
            ],
            paid: 180,
            fee: 1
        })]
    );
    assert_eq!(d.channel(a).unwrap().claimed, 80);
    assert_eq!(d.channel(b).unwrap().claimed, 0);
    assert_eq!(
        d.accounting(),
        Accounting {
            balances: 0,
            locked: 120,
            fees: 1
        }
    );
}

#[ink::test]
fn claim_batch_is_bounded_and_guarded() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 1_000);
    let one = voucher(0, ch, 1);
    let too_many = vec![one; MAX_BATCH + 1];
    assert_eq!(
        d.claim_batch(&by_payee(), &too_many).map(|r| r.0),
        Err(Error::BatchTooLarge)
    );
    assert_eq!(d.claim_batch(&by_payee(), &[]).map(|r| r.0), Ok(vec![]));
    d.lock().unwrap();
    assert_eq!(
        d.claim_batch(&by_payee(), &[one]).map(|r| r.0),
        Err(Error::Reentrant)
    );
    d.unlock();
    // A full batch of the same voucher: the first pays, the rest are replays.
    let (outcomes, effects, _) = d.claim_batch(&by_payee(), &vec![one; MAX_BATCH]).unwrap();
    assert_eq!(outcomes[0], Ok(1));
    assert!(outcomes[1..]
        .iter()
        .all(|o| *o == Err(Error::AmountNotAboveClaimed)));
    assert_eq!(effects.payout, 1);
}

#[ink::test]
fn claim_batch_reports_one_settlement_per_channel() {
    let mut d = setup(0);
    let a = open(&mut d, 0, 100);
    d.deposit(client(1), 100).unwrap();
    let req = crate::data::OpenRequest {
        service_id: 8,
        ..request(1, 100, T0 + HOUR)
    };
    let (b, _) = d.open_channel(req, 0, terms(payee()), T0).unwrap();
    let c = open(&mut d, 2, 100);
    let batch = [voucher(0, a, 10), voucher(1, b, 20), voucher(2, c, 30)];
    let (_, effects, _) = d.claim_batch(&by_payee(), &batch).unwrap();
    assert_eq!(
        effects.settlements,
        vec![
            Settlement {
                service_id: 7,
                channel_id: a,
                claimed_before: 0,
                paid: 10,
            },
            Settlement {
                service_id: 8,
                channel_id: b,
                claimed_before: 0,
                paid: 20,
            },
            Settlement {
                service_id: 7,
                channel_id: c,
                claimed_before: 0,
                paid: 30,
            }
        ]
    );
    assert_eq!(effects.payout, 60);
}

/// M1 (security review): repeating one channel in a batch (50 increasing vouchers) must
/// report that channel once, with its whole increase and the amount claimed before, so
/// reputation can bound its success over the channel's life.
#[ink::test]
fn claim_batch_reports_a_repeated_channel_once() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 2_500);
    let batch: Vec<Voucher> = (1..=50).map(|i| voucher(0, ch, 50 * i)).collect();
    let (outcomes, effects, _) = d.claim_batch(&by_payee(), &batch).unwrap();
    assert!(outcomes.iter().all(|o| o.is_ok()));
    assert_eq!(
        effects.settlements,
        vec![Settlement {
            service_id: 7,
            channel_id: ch,
            claimed_before: 0,
            paid: 2_500,
        }]
    );
}

// ---- close -----------------------------------------------------------------------------

#[ink::test]
fn close_claims_the_final_voucher_and_refunds_the_rest() {
    let mut d = setup(100);
    let ch = open(&mut d, 0, 100);
    claim(&mut d, voucher(0, ch, 20)).unwrap();
    let (refunded, effects, ev) = d
        .close(&by_payee(), ch, Some(final_voucher(0, ch, 60)))
        .unwrap();
    assert_eq!(refunded, 40);
    assert_eq!(effects.payout, 40); // the 1 % fee of 40 rounds down to 0
    assert_eq!(
        effects.settlements,
        vec![Settlement {
            service_id: 7,
            channel_id: ch,
            claimed_before: 20,
            paid: 40,
        }]
    );
    assert_eq!(effects.failure, None, "served channels are no failure");
    assert_eq!(
        ev.last(),
        Some(&Event::ChannelClosed(ChannelClosed {
            channel_id: ch,
            client: client(0),
            claimed: 60,
            refunded: 40
        }))
    );
    assert_eq!(d.channel(ch).unwrap().state, ChannelState::Closed);
    assert_eq!(d.balance_of(client(0)), 40);
    assert_eq!(
        d.accounting(),
        Accounting {
            balances: 40,
            locked: 0,
            fees: 0
        }
    );
    assert_eq!(
        d.close(&by_payee(), ch, None).map(|r| r.1.payout),
        Err(Error::ChannelClosed)
    );
}

#[ink::test]
fn close_errors_and_the_unserved_channel_report() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 100);
    assert_eq!(
        d.close(&ctx(client(0), T0), ch, None).map(|_| ()),
        Err(Error::NotPayee)
    );
    assert_eq!(
        d.close(&by_payee(), 99, None).map(|_| ()),
        Err(Error::ChannelNotFound)
    );
    // A bad final voucher refuses the whole close.
    assert_eq!(
        d.close(&by_payee(), ch, Some(final_voucher(1, ch, 50)))
            .map(|_| ()),
        Err(Error::InvalidSignature)
    );
    assert_eq!(
        d.close(&by_payee(), ch, Some(final_voucher(0, ch, 101)))
            .map(|_| ()),
        Err(Error::AmountExceedsFunds)
    );
    assert_eq!(d.channel(ch).unwrap().state, ChannelState::Open);
    // Closing before expiry with nothing ever claimed: reported as a failure, as the
    // refund at expiry would have been (no dodging the report).
    let (refunded, effects, _) = d.close(&by_payee(), ch, None).unwrap();
    assert_eq!(refunded, 100);
    assert_eq!(effects.failure, Some(unserved_7()));
    assert_eq!(effects.payout, 0);
    assert_eq!(d.balance_of(client(0)), 100);
}

// ---- refund ----------------------------------------------------------------------------

#[ink::test]
fn refund_after_expiry_only_by_the_client() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 100);
    claim(&mut d, voucher(0, ch, 30)).unwrap();
    let expiry = d.channel(ch).unwrap().expiry;
    assert_eq!(
        d.refund(client(0), ch, expiry - 1).map(|_| ()),
        Err(Error::NotExpired)
    );
    assert_eq!(
        d.refund(payee(), ch, expiry).map(|_| ()),
        Err(Error::NotClient)
    );
    assert_eq!(
        d.refund(client(0), 99, expiry).map(|_| ()),
        Err(Error::ChannelNotFound)
    );
    d.lock().unwrap();
    assert_eq!(
        d.refund(client(0), ch, expiry).map(|_| ()),
        Err(Error::Reentrant)
    );
    d.unlock();
    let (refunded, effects, ev) = d.refund(client(0), ch, expiry).unwrap();
    assert_eq!(refunded, 70);
    assert_eq!(effects.failure, None, "something was claimed: no failure");
    assert_eq!(effects.payout, 0);
    assert_eq!(
        ev,
        vec![Event::ChannelRefunded(ChannelRefunded {
            channel_id: ch,
            client: client(0),
            claimed: 30,
            refunded: 70
        })]
    );
    assert_eq!(d.balance_of(client(0)), 70);
    assert_eq!(
        d.refund(client(0), ch, expiry).map(|_| ()),
        Err(Error::ChannelClosed)
    );
    assert_eq!(
        d.accounting(),
        Accounting {
            balances: 70,
            locked: 0,
            fees: 0
        }
    );
}

#[ink::test]
fn refund_of_an_unserved_channel_reports_a_failure() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 100);
    let (_, effects, _) = d.refund(client(0), ch, T0 + HOUR).unwrap();
    assert_eq!(effects.failure, Some(unserved_7()));
}

/// Security review M2: the failure report carries how long the channel locked its
/// funds (expiry − when they were locked), which reputation weighs: the review's 1 ms
/// channel refunded in the next block reports 1 ms; an extended one its whole life.
#[ink::test]
fn refund_reports_how_long_the_funds_were_locked() {
    let mut d = setup(0);
    let (ch, _) = d
        .open_channel(request(0, 100, T0 + 1), 100, terms(payee()), T0)
        .unwrap();
    assert_eq!(d.clients.get(ch).unwrap().locked_since, T0);
    let (_, effects, _) = d.refund(client(0), ch, T0 + 6_000).unwrap();
    assert_eq!(
        effects.failure,
        Some(Failure {
            locked_for: 1,
            ..unserved_7()
        })
    );
    // Extended (also after its first expiry): locked until the new expiry.
    let day = 24 * HOUR;
    let ch = open(&mut d, 0, 100);
    d.extend(client(0), ch, T0 + 2 * HOUR, T0 + 2 * HOUR - 1)
        .unwrap();
    d.extend(client(0), ch, T0 + day, T0 + 3 * HOUR).unwrap();
    let (_, effects, _) = d.refund(client(0), ch, T0 + day).unwrap();
    assert_eq!(effects.failure.map(|f| f.locked_for), Some(day));
}

/// Topping up a tiny channel just before it expires does not make a long lock: the lock
/// starts at the funds-weighted mean of when the funds came in.
#[ink::test]
fn add_funds_moves_the_lock_start_by_the_funds_weight() {
    let mut d = setup(0);
    let day = 24 * HOUR;
    let (ch, _) = d
        .open_channel(request(0, 1, T0 + day), 1, terms(payee()), T0)
        .unwrap();
    d.deposit(acc(9), 1_000).unwrap();
    d.add_funds(acc(9), ch, 99, T0 + day - 1_000).unwrap();
    // (1 · T0 + 99 · (T0 + day − 1 s)) / 100, floor.
    let since = T0 + (day - 1_000) * 99 / 100;
    assert_eq!(d.clients.get(ch).unwrap().locked_since, since);
    let (_, effects, _) = d.refund(client(0), ch, T0 + day).unwrap();
    let f = effects.failure.unwrap();
    assert_eq!((f.locked, f.locked_for), (100, T0 + day - since));
    assert_eq!(f.locked_for, 864_990); // 1 % of a day, plus 99 % of the last second
                                       // Funds added at the opening block leave the start where it was.
                                       // (client 0 pays from the 100 it got back)
    let (ch, _) = d
        .open_channel(request(0, 10, T0 + day), 0, terms(payee()), T0)
        .unwrap();
    d.add_funds(acc(9), ch, 500, T0).unwrap();
    let (_, effects, _) = d.refund(client(0), ch, T0 + day).unwrap();
    assert_eq!(
        effects.failure.map(|f| (f.locked, f.locked_for)),
        Some((510, day))
    );
}

/// A payee closing an unserved channel before expiry reports the full lock the client
/// committed to (its expiry), so closing early does not lighten the report.
#[ink::test]
fn an_early_close_reports_the_lock_until_expiry() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 100);
    let (_, effects, _) = d.close(&ctx(payee(), T0 + 1), ch, None).unwrap();
    assert_eq!(effects.failure, Some(unserved_7()));
}

#[ink::test]
fn close_of_an_expired_unserved_channel_reports_a_failure_once() {
    let mut d = setup(0);
    let ch = open(&mut d, 0, 100);
    let expiry = d.channel(ch).unwrap().expiry;
    let (_, effects, _) = d.close(&ctx(payee(), expiry + 1), ch, None).unwrap();
    assert_eq!(effects.failure, Some(unserved_7()));
    // The client's refund afterwards finds it closed: no second report.
    assert_eq!(
        d.refund(client(0), ch, expiry + 1).map(|_| ()),
        Err(Error::ChannelClosed)
    );
    assert_eq!(d.balance_of(client(0)), 100);
}

/// `locked_since_after`: the funds-weighted mean start, total at the extremes.
#[test]
fn locked_since_after_is_the_funds_weighted_start() {
    use crate::types::locked_since_after as after;
    assert_eq!(after(T0, 100, 100, T0 + 1_000), T0 + 500);
    assert_eq!(after(T0, 1, 99, T0 + 100), T0 + 99);
    assert_eq!(after(T0, 100, 0, T0 + 1_000), T0);
    assert_eq!(after(T0, 0, 100, T0 + 1_000), T0 + 1_000);
    assert_eq!(after(T0, 0, 0, T0 + 1_000), T0);
    assert_eq!(after(T0, 100, 100, T0), T0);
    assert_eq!(after(T0, 100, 100, T0 - 1), T0); // time never runs back on chain
                                                 // Products beyond u128: computed on amounts shifted by 64 bits, never past `now`.
    let max = Balance::MAX;
    let half = after(0, max / 4, max / 4, u64::MAX);
    assert!(half.abs_diff(u64::MAX / 2) < 2, "{half}");
    assert_eq!(after(0, 0, max, u64::MAX), u64::MAX);
    assert_eq!(after(0, max - 1_000, 1_000, u64::MAX), 0);
    assert_eq!(after(T0, max, 1, T0 + 1_000), T0);
    // (funds + amount beyond u128 saturates; `add_funds` then fails with `Overflow`.)
    assert_eq!(after(0, max, max, u64::MAX), u64::MAX);
}
