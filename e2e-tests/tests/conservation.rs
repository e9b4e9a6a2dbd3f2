//! Stateful property test: random sequences of deposits, opens, top-ups, claims (valid
//! and forged), closes, refunds and withdrawals across several accounts, checking fund
//! conservation against the chain's real balances after every step.
//!
//! `GB_E2E_CASES` (default 40) sequences of `GB_E2E_STEPS` (default 60) steps each.
mod common;
use common::*;
use gb_interfaces::{ChannelId, ChannelState};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

#[derive(Clone, Debug)]
enum Op {
    Deposit {
        who: usize,
        amount: u8,
    },
    Withdraw {
        who: usize,
        amount: u8,
    },
    Transfer {
        from: usize,
        to: usize,
        amount: u8,
    },
    Open {
        who: usize,
        svc: usize,
        amount: u8,
        hours: u8,
    },
    DepositAndOpen {
        who: usize,
        svc: usize,
        amount: u8,
        hours: u8,
    },
    AddFunds {
        who: usize,
        ch: usize,
        amount: u8,
    },
    Extend {
        ch: usize,
        hours: u8,
    },
    Claim {
        ch: usize,
        units: u8,
        forged: bool,
        batch: bool,
    },
    Close {
        ch: usize,
        units: u8,
    },
    Refund {
        ch: usize,
    },
    Advance {
        hours: u8,
    },
    WithdrawFees,
}

const CLIENTS: usize = 3;

fn op() -> impl Strategy<Value = Op> {
    let who = 0..CLIENTS;
    prop_oneof![
        (who.clone(), any::<u8>()).prop_map(|(who, amount)| Op::Deposit { who, amount }),
        (who.clone(), any::<u8>()).prop_map(|(who, amount)| Op::Withdraw { who, amount }),
        (who.clone(), 0..CLIENTS + 1, any::<u8>()).prop_map(|(from, to, amount)| Op::Transfer {
            from,
            to,
            amount
        }),
        (who.clone(), 0..2usize, any::<u8>(), any::<u8>()).prop_map(|(who, svc, amount, hours)| {
            Op::Open {
                who,
                svc,
                amount,
                hours,
            }
        }),
        (who.clone(), 0..2usize, any::<u8>(), any::<u8>()).prop_map(|(who, svc, amount, hours)| {
            Op::DepositAndOpen {
                who,
                svc,
                amount,
                hours,
            }
        }),
        (who, any::<usize>(), any::<u8>()).prop_map(|(who, ch, amount)| Op::AddFunds {
            who,
            ch,
            amount
        }),
        (any::<usize>(), any::<u8>()).prop_map(|(ch, hours)| Op::Extend { ch, hours }),
        (any::<usize>(), any::<u8>(), any::<bool>(), any::<bool>()).prop_map(
            |(ch, units, forged, batch)| Op::Claim {
                ch,
                units,
                forged,
                batch
            }
        ),
        (any::<usize>(), any::<u8>()).prop_map(|(ch, units)| Op::Close { ch, units }),
        any::<usize>().prop_map(|ch| Op::Refund { ch }),
        (0u8..48).prop_map(|hours| Op::Advance { hours }),
        Just(Op::WithdrawFees),
    ]
}

/// Storage deposit charged (+) or refunded (−) to the caller of the last call.
fn last_deposit(m: &gb_deploy::market::Market) -> i128 {
    m.chain.costs.last().map_or(0, |(_, c)| c.storage_deposit)
}

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small amount of units (0 is a valid, rejected input).
fn amt(a: u8) -> u128 {
    (a as u128 % 40) * UNIT
}

struct Model {
    channels: Vec<(ChannelId, usize)>, // (id, client index)
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let mut m = market(250, CLIENTS);
    let svcs = m.register("acme", &[("a", UNIT, &["t"]), ("b", 2 * UNIT, &["t"])]);
    let base = m.escrow_native();
    let mut model = Model {
        channels: Vec::new(),
    };
    let clients = m.clients.clone();
    let provider = m.provider.clone();
    for op in ops {
        let now = m.chain.now();
        let pick = |ch: usize, model: &Model| {
            (!model.channels.is_empty()).then(|| model.channels[ch % model.channels.len()])
        };
        match op.clone() {
            Op::Deposit { who, amount } => {
                let _: Result<(), EscrowError> =
                    m.escrow(&clients[who].account, "deposit", (), amt(amount));
            }
            Op::Withdraw { who, amount } => {
                let before = m.chain.free_balance(&clients[who].account);
                let r: Result<(), EscrowError> =
                    m.escrow(&clients[who].account, "withdraw", amt(amount), 0);
                // The caller pays (or is refunded) the call's storage deposit.
                let after = m.chain.free_balance(&clients[who].account) as i128 + last_deposit(&m);
                if r.is_ok() {
                    prop_assert_eq!(after - before as i128, amt(amount) as i128);
                } else {
                    prop_assert_eq!(after, before as i128);
                }
            }
            Op::Transfer { from, to, amount } => {
                let to = if to == CLIENTS {
                    provider.id()
                } else {
                    clients[to].id()
                };
                let _: Result<(), EscrowError> =
                    m.escrow(&clients[from].account, "transfer", (to, amt(amount)), 0);
            }
            Op::Open {
                who,
                svc,
                amount,
                hours,
            } => {
                let exp = now + hours as u64 * HOUR;
                let r: Result<ChannelId, EscrowError> = m.escrow(
                    &clients[who].account,
                    "open_channel",
                    (svcs[svc], clients[who].sr_signer(), amt(amount), exp),
                    0,
                );
                if let Ok(id) = r {
                    model.channels.push((id, who));
                }
            }
            Op::DepositAndOpen {
                who,
                svc,
                amount,
                hours,
            } => {
                let exp = now + hours as u64 * HOUR;
                if let Ok(id) = m.open(&clients[who], svcs[svc], amt(amount), exp) {
                    model.channels.push((id, who));
                }
            }
            Op::AddFunds { who, ch, amount } => {
                if let Some((id, _)) = pick(ch, &model) {
                    let _: Result<(), EscrowError> =
                        m.escrow(&clients[who].account, "add_funds", (id, amt(amount)), 0);
                }
            }
            Op::Extend { ch, hours } => {
                if let Some((id, c)) = pick(ch, &model) {
                    let _: Result<(), EscrowError> = m.escrow(
                        &clients[c].account,
                        "extend",
                        (id, now + hours as u64 * HOUR),
                        0,
                    );
                }
            }
            Op::Claim {
                ch,
                units,
                forged,
                batch,
            } => {
                if let Some((id, c)) = pick(ch, &model) {
                    let before = m.channel(id).expect("channel");
                    let amount = before.claimed + (units as u128 % 8) * UNIT;
                    let signer = if forged {
                        &clients[(c + 1) % CLIENTS]
                    } else {
                        &clients[c]
                    };
                    let sig = m.voucher(signer, id, amount);
                    let payee_before = m.chain.free_balance(&provider.account);
                    let fees_before = m.fees_held();
                    let paid = if batch {
                        m.claim_batch(vec![(id, amount, sig)]).remove(0)
                    } else {
                        m.escrow(&provider.account, "claim", (id, amount, sig), 0)
                    };
                    // The payee, as the caller, also paid the call's storage deposit.
                    let payee_gain = m.chain.free_balance(&provider.account) as i128
                        + last_deposit(&m)
                        - payee_before as i128;
                    let fee_gain = m.fees_held() - fees_before;
                    match paid {
                        Ok(p) => {
                            prop_assert!(!forged, "a forged voucher paid");
                            prop_assert_eq!(p, amount - before.claimed);
                            prop_assert!(amount <= before.funds);
                            prop_assert_eq!(
                                payee_gain + fee_gain as i128,
                                p as i128,
                                "payee + fee = exactly the new claim"
                            );
                            prop_assert_eq!(m.channel(id).unwrap().claimed, amount);
                        }
                        Err(_) => {
                            prop_assert_eq!((payee_gain, fee_gain), (0, 0));
                            prop_assert_eq!(m.channel(id).unwrap().claimed, before.claimed);
                        }
                    }
                }
            }
            Op::Close { ch, units } => {
                if let Some((id, c)) = pick(ch, &model) {
                    let before = m.channel(id).expect("channel");
                    let amount = before.claimed + (units as u128 % 4) * UNIT;
                    let voucher =
                        (units % 2 == 0).then(|| (amount, m.voucher(&clients[c], id, amount)));
                    let bal = m.balance_of(&clients[c].account);
                    let r: Result<u128, EscrowError> =
                        m.escrow(&provider.account, "close", (id, voucher), 0);
                    if let Ok(refunded) = r {
                        let after = m.channel(id).unwrap();
                        prop_assert_eq!(after.state, ChannelState::Closed);
                        prop_assert_eq!(refunded, after.funds - after.claimed);
                        prop_assert_eq!(m.balance_of(&clients[c].account) - bal, refunded);
                    }
                }
            }
            Op::Refund { ch } => {
                if let Some((id, c)) = pick(ch, &model) {
                    let before = m.channel(id).expect("channel");
                    let r: Result<u128, EscrowError> =
                        m.escrow(&clients[c].account, "refund", id, 0);
                    match r {
                        Ok(refunded) => {
                            prop_assert!(
                                before.expiry <= now && before.state == ChannelState::Open
                            );
                            prop_assert_eq!(refunded, before.funds - before.claimed);
                        }
                        Err(_) => prop_assert_eq!(m.channel(id).unwrap(), before),
                    }
                }
            }
            Op::Advance { hours } => m.chain.advance(hours as u64 * HOUR),
            Op::WithdrawFees => {
                let t = m.treasury.account.clone();
                let _: Result<u128, EscrowError> = m.escrow(&t, "withdraw_fees", (), 0);
            }
        }
        // Conservation against the chain: the contract's native balance equals what it
        // owes, and what it owes equals the sum over every account and channel.
        m.assert_conservation(base);
        let acc = m.accounting();
        let mut balances = m.balance_of(&provider.account);
        for c in &clients {
            balances += m.balance_of(&c.account);
        }
        let locked: u128 = model
            .channels
            .clone()
            .into_iter()
            .map(|(id, _)| m.channel(id).expect("channel"))
            .filter(|c| c.state == ChannelState::Open)
            .map(|c| c.funds - c.claimed)
            .sum();
        prop_assert_eq!(
            (acc.balances, acc.locked, acc.fees),
            (balances, locked, m.fees_held())
        );
    }
    Ok(())
}

#[test]
fn funds_are_conserved_under_random_call_sequences() {
    let cases = env_or("GB_E2E_CASES", 40);
    let steps = env_or("GB_E2E_STEPS", 60) as usize;
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..=steps), |ops| run(&ops))
        .unwrap();
}
