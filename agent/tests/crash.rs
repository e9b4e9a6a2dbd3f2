//! Crash safety of the local store, by killing a process that signs (`kill -9`, not by
//! reasoning): the child re-runs this test binary in child mode and signs vouchers on
//! one channel exactly as `Agent` does (plan → durable ceiling → sign → commit),
//! printing each amount once it is signed (a voucher "sent"); the parent kills it at a
//! random point, reopens the store as a restarted agent does, and checks that the next
//! voucher is never below one already sent — five kill/restart rounds.

use gb_agent::ledger::{sign_voucher, ChannelBooks, Next};
use gb_agent::store::{ChannelRecord, Store};
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

const ESCROW: [u8; 32] = [5; 32];
const CLIENT: [u8; 32] = [6; 32];
const CHANNEL: u64 = 1;
const PRICE: u128 = 10;
const MAX_AHEAD: u128 = 80;
const FUNDS: u128 = 1_000_000_000;

/// The child: signs forever (until killed), printing `signed <amount>` per voucher.
async fn child(path: &str) {
    let (store, snap) = Store::open(std::path::Path::new(path), &ESCROW, &CLIENT).unwrap();
    let r = snap.channels.first().cloned().unwrap();
    let mut books = ChannelBooks::restored(CHANNEL, r.funds, r.ceiling, r.acked, r.spent);
    let key = gb_voucher::VoucherKey::sr25519("//Alice").unwrap();
    loop {
        let v = match books.plan(PRICE, MAX_AHEAD).unwrap() {
            Next::Reuse(v) => {
                books.commit(PRICE, v, None);
                v
            }
            Next::Sign {
                amount,
                raise_ceiling,
            } => {
                if let Some(c) = raise_ceiling {
                    store.raise_ceiling(CHANNEL, c).await.unwrap();
                }
                let domain = gb_interfaces::VoucherDomain::new([7; 32], ESCROW);
                let v = sign_voucher(&key, &domain, CHANNEL, amount);
                books.commit(PRICE, v, raise_ceiling);
                v
            }
        };
        println!("signed {}", v.amount);
        // The gateway acknowledges every call (spent = amount).
        books.acknowledge(v.amount, v.amount, true);
    }
}

#[tokio::test]
async fn killing_a_signing_process_never_makes_a_restart_sign_below_a_sent_voucher() {
    if let Ok(path) = std::env::var("GB_CRASH_CHILD_STORE") {
        child(&path).await;
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agent.db");
    {
        let (store, _) = Store::open(&path, &ESCROW, &CLIENT).unwrap();
        store
            .upsert_channel(ChannelRecord {
                channel_id: CHANNEL,
                service_id: 1,
                payee: [7; 32],
                funds: FUNDS,
                expiry: u64::MAX,
                claimed: 0,
                open: true,
                ceiling: 0,
                acked: 0,
                spent: 0,
                recorded_spend: 0,
                rated: false,
            })
            .await
            .unwrap();
    }
    let me = std::env::current_exe().unwrap();
    let mut highest_sent = 0u128;
    for round in 0..5u32 {
        let mut child = Command::new(&me)
            .args([
                "--exact",
                "killing_a_signing_process_never_makes_a_restart_sign_below_a_sent_voucher",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("GB_CRASH_CHILD_STORE", &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Kill after a varying number of vouchers (not on a block boundary).
        let kill_after = 37 + 53 * round as usize;
        let mut seen = 0;
        while seen < kill_after {
            let line = lines.next().expect("the child prints").unwrap();
            if let Some(a) = line.strip_prefix("signed ") {
                let a: u128 = a.trim().parse().unwrap();
                assert!(a >= highest_sent, "round {round}: {a} after {highest_sent}");
                highest_sent = highest_sent.max(a);
                seen += 1;
            }
        }
        // SIGKILL: no destructor, no flush.
        child.kill().unwrap();
        child.wait().unwrap();
        // Whatever it printed after we stopped reading may also have been sent.
        for line in lines.map_while(Result::ok) {
            if let Some(a) = line.strip_prefix("signed ") {
                highest_sent = highest_sent.max(a.trim().parse().unwrap());
            }
        }
        // Restart: the books resume from the store.
        let (_store, snap) = Store::open(&path, &ESCROW, &CLIENT).unwrap();
        let r = &snap.channels[0];
        assert!(
            r.ceiling >= highest_sent,
            "round {round}: durable ceiling {} below a sent voucher {highest_sent}",
            r.ceiling
        );
        let books = ChannelBooks::restored(CHANNEL, r.funds, r.ceiling, r.acked, r.spent);
        let next = match books.plan(PRICE, MAX_AHEAD).unwrap() {
            Next::Reuse(v) => v.amount,
            Next::Sign { amount, .. } => amount,
        };
        assert!(
            next >= highest_sent,
            "round {round}: the restart would sign {next}, below {highest_sent} already sent"
        );
        // The ceiling is at most one block ahead of what was sent (bounded exposure).
        assert!(
            r.ceiling <= highest_sent + MAX_AHEAD,
            "{} vs {highest_sent}",
            r.ceiling
        );
    }
    assert!(highest_sent > 0);
}
