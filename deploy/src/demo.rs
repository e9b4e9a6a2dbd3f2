//! The marketplace workflow, narrated: register, discover, pay per call with vouchers,
//! batch-claim, rate, re-rank, refund. Runs on a deployed [`Market`].

use crate::{
    backend::Backend,
    market::{Market, DAY, UNIT},
};
use gb_interfaces::{Balance, ServiceId};
use std::fmt::Write as _;

/// Expiry of the channel the demo lets lapse (ms).
const SHORT_EXPIRY: gb_interfaces::Timestamp = 6_000;

fn units(p: Balance) -> String {
    format!("{}.{:02} U", p / UNIT, (p % UNIT) * 100 / UNIT)
}

/// [`units`], or plancks where that would round to 0.00 U.
fn amount(p: i128) -> String {
    match Balance::try_from(p) {
        Ok(p) if p >= UNIT / 100 => units(p),
        _ => format!("{p} plancks"),
    }
}

fn ranking<B: Backend>(m: &mut Market<B>, tag: &str, names: &[(ServiceId, &str)]) -> String {
    let page = m.ranked(tag);
    let mut s = String::new();
    for (i, e) in page.entries.iter().enumerate() {
        let name = names
            .iter()
            .find(|(id, _)| *id == e.service_id)
            .map_or("(earlier run)", |(_, n)| n);
        let _ = writeln!(
            s,
            "    {}. #{:<2} {:<10} score {:>6.3}  price {}",
            i + 1,
            e.service_id,
            name,
            e.score as f64 / 1e6,
            units(e.price)
        );
    }
    // The caller prints it as one line's continuation: no blank line after the list.
    s.truncate(s.trim_end().len());
    s
}

/// Runs the workflow and returns the lines it printed (also printed as it goes).
pub fn run<B: Backend>(m: &mut Market<B>) -> Vec<String> {
    let mut log = Vec::new();
    let mut say = |s: String| {
        println!("{s}");
        log.push(s);
    };
    // On a reused deployment the escrow already holds earlier runs' funds.
    let base = m.unowed();
    say(format!(
        "deployed and wired: registry {}, reputation {}, escrow {} (fee {} bps)",
        m.suite.registry, m.suite.reputation, m.suite.escrow, m.fee_bps
    ));
    say("U = 1 reference call price = 10^10 plancks".into());

    // Register in two vertical markets.
    let org = match m.run {
        0 => "acme-ai".to_string(),
        n => format!("acme-ai-{n}"),
    };
    let ids = m.register(
        &org,
        &[
            ("xray-read", UNIT, &["medical", "vision"]),
            ("triage-bot", 8 * UNIT / 10, &["medical"]),
            ("fraud-scan", 2 * UNIT, &["financial"]),
            ("risk-score", 3 * UNIT / 2, &["financial"]),
        ],
    );
    let names: Vec<(ServiceId, &str)> = ids
        .iter()
        .copied()
        .zip(["xray-read", "triage-bot", "fraud-scan", "risk-score"])
        .collect();
    say(format!(
        "1. registered org `{org}` with 4 services in `medical` and `financial`: ids {ids:?}"
    ));
    say(format!(
        "2. discovery, `medical`, before any traffic (all at the prior; cheaper first):\n{}",
        ranking(m, "medical", &names)
    ));

    // Pay per call.
    let clients = m.clients.clone();
    let now = m.chain.now();
    let mut channels = Vec::new();
    for (i, c) in clients.iter().enumerate() {
        let svc = if i % 2 == 0 { ids[0] } else { ids[2] };
        let ch = m.open(c, svc, 500 * UNIT, now + DAY).expect("open channel");
        channels.push((ch, c.clone(), svc));
    }
    say(format!(
        "3. {} clients opened channels of 500 U each (deposit_and_open, expiry in 24 h)",
        channels.len()
    ));
    let mut vouchers = Vec::new();
    let mut calls_total = 0;
    for (k, (ch, c, svc)) in channels.iter().enumerate() {
        let price = if *svc == ids[0] { UNIT } else { 2 * UNIT };
        let calls = 100 + 50 * k as u128;
        let mut best = None;
        for n in 1..=calls {
            best = Some(m.voucher(c, *ch, n * price));
        }
        calls_total += calls;
        vouchers.push((*ch, calls * price, best.expect("at least one call")));
    }
    say(format!(
        "   clients made {calls_total} paid calls, signing a cumulative sr25519 voucher per call"
    ));
    let payee = m.provider.account.clone();
    let payee_before = m.chain.free_balance(&payee);
    let fees_before = m.fees_held();
    let tx_fees_before = m.chain.fees_paid().unwrap_or(0);
    let costs_before = m.chain.costs().len();
    let outcomes = m.claim_batch(vouchers.clone());
    let batch_cost = m.chain.costs()[costs_before..]
        .iter()
        .map(|(_, c)| c.ref_time)
        .sum::<u64>();
    let paid: Balance = outcomes.iter().filter_map(|o| o.as_ref().ok()).sum();
    let fee = m.fees_held() - fees_before;
    let deposit = m.chain.costs().last().map_or(0, |(_, c)| c.storage_deposit);
    // The payee's real balance moved by the net payout, less the storage deposit and
    // (on a node) the transaction fee it paid for the claim.
    let tx_fee = m.chain.fees_paid().unwrap_or(0) - tx_fees_before;
    let received = m.chain.free_balance(&payee) as i128 - payee_before as i128;
    assert_eq!(
        received,
        (paid - fee) as i128 - deposit - tx_fee as i128,
        "payee balance change"
    );
    say(format!(
        "4. the provider batch-claimed {} channels in ONE call: {} gross, {} to the payee, {} protocol fee\n   \
         (gas {} ref_time; the payee also paid {} of storage deposit for new records)",
        outcomes.len(),
        units(paid),
        units(paid - fee),
        units(fee),
        batch_cost,
        amount(deposit)
    ));

    // Learn.
    for (k, (ch, c, svc)) in channels.iter().enumerate() {
        let stars = if *svc == ids[0] {
            5
        } else if k % 2 == 1 {
            2
        } else {
            3
        };
        m.rate(&c.account, *ch, stars).expect("rate");
    }
    say("5. each paying client rated its service (xray-read: 5 stars; fraud-scan: 2 stars)".into());
    say(format!(
        "   discovery, `medical`, after:\n{}",
        ranking(m, "medical", &names)
    ));
    say(format!(
        "   discovery, `financial`, after:\n{}",
        ranking(m, "financial", &names)
    ));

    // Expiry and refund.
    let late = clients[0].clone();
    // A short expiry, so that a real node gets there in seconds too.
    let expiry = m.chain.now() + SHORT_EXPIRY;
    let ch = m.open(&late, ids[1], 50 * UNIT, expiry).expect("open");
    m.chain.advance(SHORT_EXPIRY + 1_000);
    let refunded: Result<Balance, crate::market::EscrowError> =
        m.escrow(&late.account, "refund", ch, 0);
    say(format!(
        "6. a channel to triage-bot expired unused: refund {} to the client; escrow reported it, triage-bot's failure mass is now {}",
        units(refunded.expect("refund")),
        units(m.score(ids[1]).failure_mass)
    ));
    m.assert_conservation(base);
    let acc = m.accounting();
    let gas: u64 = m.chain.costs().iter().map(|(_, c)| c.ref_time).sum();
    say(format!(
        "summary: escrow holds {} (balances {}, locked {}, fees {}) = its native balance; {} calls, {} ref_time in all",
        units(acc.balances + acc.locked + acc.fees),
        units(acc.balances),
        units(acc.locked),
        units(acc.fees),
        m.chain.costs().len(),
        gas
    ));
    if let Some(fees) = m.chain.fees_paid() {
        say(format!(
            "transaction fees paid on the node by all actors: {}",
            amount(fees as i128)
        ));
    }
    log
}
