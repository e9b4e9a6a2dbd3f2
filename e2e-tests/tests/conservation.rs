//! Stateful property test: random sequences of deposits, opens, top-ups, claims (valid
//! and forged), closes, refunds and withdrawals across several accounts, checking fund
//! conservation against the chain's real balances after every step.
//!
//! `GB_E2E_CASES` (default 40) sequences of `GB_E2E_STEPS` (default 60) steps each.
use escrow::types::FinalVoucher;
use gb_e2e_tests::*;
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

async fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let m = Market::new(250, CLIENTS).await;
    let svcs = m
        .register("acme", &[("a", UNIT, &["t"]), ("b", 2 * UNIT, &["t"])])
        .await;
    let base = m.escrow_native().await;
    let mut model = Model {
        channels: Vec::new(),
    };
    let clients = m.clients.clone();
    let provider = m.provider.clone();
    let e = m.escrow();
    for op in ops {
        let now = m.now().await;
        let pick = |ch: usize, model: &Model| {
            (!model.channels.is_empty()).then(|| model.channels[ch % model.channels.len()])
        };
        match op.clone() {
            Op::Deposit { who, amount } => {
                let _ = m.call(&clients[who], e.deposit(amt(amount))).await;
            }
            Op::Withdraw { who, amount } => {
                let before = m.free_balance(&clients[who]).await;
                let mark = m.mark();
                let r = m.call(&clients[who], e.withdraw(amt(amount))).await;
                // The caller pays (or is refunded) the call's storage deposit.
                let after =
                    m.free_balance(&clients[who]).await as i128 + m.storage_deposit_since(mark);
                if r.is_ok() {
                    prop_assert_eq!(after - before as i128, amt(amount) as i128);
                } else {
                    prop_assert_eq!(after, before as i128);
                }
            }
            Op::Transfer { from, to, amount } => {
                let to = if to == CLIENTS {
                    provider.account()
                } else {
                    clients[to].account()
                };
                let _ = m.call(&clients[from], e.transfer(&to, amt(amount))).await;
            }
            Op::Open {
                who,
                svc,
                amount,
                hours,
            } => {
                let exp = now + hours as u64 * HOUR;
                let open = e.open_channel(svcs[svc], clients[who].signer(), amt(amount), exp);
                if let Ok(id) = m.call(&clients[who], open).await {
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
                if let Ok(id) = m.open(&clients[who], svcs[svc], amt(amount), exp).await {
                    model.channels.push((id, who));
                }
            }
            Op::AddFunds { who, ch, amount } => {
                if let Some((id, _)) = pick(ch, &model) {
                    let _ = m.call(&clients[who], e.add_funds(id, amt(amount))).await;
                }
            }
            Op::Extend { ch, hours } => {
                if let Some((id, c)) = pick(ch, &model) {
                    let _ = m
                        .call(&clients[c], e.extend(id, now + hours as u64 * HOUR))
                        .await;
                }
            }
            Op::Claim {
                ch,
                units,
                forged,
                batch,
            } => {
                if let Some((id, c)) = pick(ch, &model) {
                    let before = m.channel(id).await.expect("channel");
                    let amount = before.claimed + (units as u128 % 8) * UNIT;
                    let signer = if forged {
                        &clients[(c + 1) % CLIENTS]
                    } else {
                        &clients[c]
                    };
                    let v = m.voucher(signer, id, amount);
                    let payee_before = m.free_balance(&provider).await;
                    let fees_before = m.fees_held().await;
                    let mark = m.mark();
                    let paid = if batch {
                        m.claim_batch(vec![v]).await.remove(0)
                    } else {
                        m.call(&provider, e.claim(v)).await
                    };
                    // The payee, as the caller, also paid the call's storage deposit.
                    let payee_gain = m.free_balance(&provider).await as i128
                        + m.storage_deposit_since(mark)
                        - payee_before as i128;
                    let fee_gain = m.fees_held().await - fees_before;
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
                            prop_assert_eq!(m.channel(id).await.unwrap().claimed, amount);
                        }
                        Err(_) => {
                            prop_assert_eq!((payee_gain, fee_gain), (0, 0));
                            prop_assert_eq!(m.channel(id).await.unwrap().claimed, before.claimed);
                        }
                    }
                }
            }
            Op::Close { ch, units } => {
                if let Some((id, c)) = pick(ch, &model) {
                    let before = m.channel(id).await.expect("channel");
                    let amount = before.claimed + (units as u128 % 4) * UNIT;
                    let voucher = (units % 2 == 0).then(|| FinalVoucher {
                        amount,
                        signature: m.voucher(&clients[c], id, amount).signature,
                    });
                    let bal = m.balance_of(&clients[c]).await;
                    if let Ok(refunded) = m.call(&provider, e.close(id, voucher)).await {
                        let after = m.channel(id).await.unwrap();
                        prop_assert_eq!(after.state, ChannelState::Closed);
                        prop_assert_eq!(refunded, after.funds - after.claimed);
                        prop_assert_eq!(m.balance_of(&clients[c]).await - bal, refunded);
                    }
                }
            }
            Op::Refund { ch } => {
                if let Some((id, c)) = pick(ch, &model) {
                    let before = m.channel(id).await.expect("channel");
                    match m.call(&clients[c], e.refund(id)).await {
                        Ok(refunded) => {
                            prop_assert!(
                                before.expiry <= now && before.state == ChannelState::Open
                            );
                            prop_assert_eq!(refunded, before.funds - before.claimed);
                        }
                        Err(_) => prop_assert_eq!(m.channel(id).await.unwrap(), before),
                    }
                }
            }
            Op::Advance { hours } => m.advance(hours as u64 * HOUR).await,
            Op::WithdrawFees => {
                let _ = m.call(&m.treasury, e.withdraw_fees()).await;
            }
        }
        // Conservation against the chain: the contract's native balance equals what it
        // owes, and what it owes equals the sum over every account and channel.
        m.check_conservation(base)
            .await
            .map_err(|e| TestCaseError::fail(format!("after {op:?}: {e}")))?;
        let acc = m.accounting().await;
        let mut balances = m.balance_of(&provider).await;
        for c in &clients {
            balances += m.balance_of(c).await;
        }
        let mut locked = 0u128;
        for (id, _) in &model.channels {
            let c = m.channel(*id).await.expect("channel");
            if c.state == ChannelState::Open {
                locked += c.funds - c.claimed;
            }
        }
        prop_assert_eq!(
            (acc.balances, acc.locked, acc.fees),
            (balances, locked, m.fees_held().await)
        );
    }
    Ok(())
}

// Not `#[tokio::test]`: proptest's runner is synchronous; each case runs on its own
// runtime (`block_on`).
#[test]
fn escrow_conserves_funds_under_random_sequences_of_its_messages() {
    let cases = env_or("GB_E2E_CASES", 40);
    let steps = env_or("GB_E2E_STEPS", 60) as usize;
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..=steps), |ops| {
            block_on(run(&ops))
        })
        .unwrap();
}
