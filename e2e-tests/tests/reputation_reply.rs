//! Issue 18, L4: a reputation contract whose reply is bigger than the caller's output
//! buffer (ink 5 hands the callee the rest of its 16 KiB static buffer) must not make
//! claims, closes and refunds revert. pallet-contracts copies a callee's output, a
//! reverted call's included, into the caller's buffer and traps the *caller* with
//! `OutputBufferTooSmall` when it does not fit; escrow's reports ask for no output.
//!
//! The misbehaving oracle is a hand-assembled Wasm module (no cargo-contract build):
//! whatever it is called with, it returns 20 KiB, with or without the revert flag.
use escrow::events::{Event as EscrowEvent, ReportKind, ReputationReportFailed};
use gb_chain::{Chain, Instantiation};
use gb_client::events::SuiteEvent;
use gb_e2e_tests::*;

/// Bytes the mock returns: more than ink's whole 16 KiB output buffer.
const REPLY_LEN: u32 = 20 * 1024;

/// A contract whose `call` returns `REPLY_LEN` zero bytes (`seal_return`), with the
/// revert flag if `revert`; its `deploy` does nothing.
fn big_reply_oracle(revert: bool) -> Vec<u8> {
    let mut len = Vec::new();
    let mut n = REPLY_LEN;
    loop {
        // Signed LEB128 of a positive i32.
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 && byte & 0x40 == 0 {
            len.push(byte);
            break;
        }
        len.push(byte | 0x80);
    }
    let flag = u8::from(revert);
    // call: i32.const flag; i32.const 0; i32.const REPLY_LEN; call $seal_return; end
    let mut call_body = vec![0x00, 0x41, flag, 0x41, 0x00, 0x41];
    call_body.extend_from_slice(&len);
    call_body.extend_from_slice(&[0x10, 0x00, 0x0b]);
    let section = |id: u8, content: Vec<u8>| {
        let mut s = vec![id, u8::try_from(content.len()).unwrap()];
        s.extend(content);
        s
    };
    let name = |s: &str| {
        let mut v = vec![u8::try_from(s.len()).unwrap()];
        v.extend_from_slice(s.as_bytes());
        v
    };
    let mut imports = vec![0x02];
    imports.extend(name("seal0"));
    imports.extend(name("seal_return"));
    imports.extend([0x00, 0x00]); // a function of type 0
    imports.extend(name("env"));
    imports.extend(name("memory"));
    imports.extend([0x02, 0x01, 0x01, 0x10]); // memory, 1 page, at most 16
    let mut exports = vec![0x02];
    exports.extend(name("deploy"));
    exports.extend([0x00, 0x01]);
    exports.extend(name("call"));
    exports.extend([0x00, 0x02]);
    let mut code = vec![0x02, 0x02, 0x00, 0x0b];
    code.push(u8::try_from(call_body.len()).unwrap());
    code.extend(call_body);
    let mut wasm = b"\0asm".to_vec();
    wasm.extend([0x01, 0x00, 0x00, 0x00]);
    // Types: 0 = (i32, i32, i32) -> (), 1 = () -> ().
    wasm.extend(section(
        0x01,
        vec![0x02, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x00],
    ));
    wasm.extend(section(0x02, imports));
    wasm.extend(section(0x03, vec![0x02, 0x01, 0x01]));
    wasm.extend(section(0x07, exports));
    wasm.extend(section(0x0a, code));
    wasm
}

/// Deploys the mock and wires it into escrow as its reputation contract.
async fn wire_big_reply_oracle(m: &Market, revert: bool) -> gb_chain::AccountId {
    let inst = Instantiation {
        code: big_reply_oracle(revert),
        data: Vec::new(),
        salt: vec![u8::from(revert), 0x4c, 0x34],
        value: 0,
    };
    let mock = m
        .chain()
        .instantiate(&m.deployer, &inst)
        .await
        .expect("instantiate the mock oracle")
        .address;
    m.client
        .send(&m.deployer, m.escrow().set_reputation(&mock))
        .await
        .expect("wire the mock oracle");
    mock
}

fn report_failed(events: &[SuiteEvent], kind: ReportKind) -> bool {
    events.iter().any(|e| {
        matches!(
            e,
            SuiteEvent::Escrow(EscrowEvent::ReputationReportFailed(ReputationReportFailed {
                kind: k,
                ..
            })) if *k == kind
        )
    })
}

async fn claims_close_and_refund_go_through_a_big_reply(revert: bool) {
    let m = Market::new(100, 2).await;
    let base = m.escrow_native().await;
    let svc = m.register("acme", &[("ocr", UNIT, &["vision"])]).await[0];
    let exp = m.now().await + DAY;
    let [c0, c1] = [m.clients[0].clone(), m.clients[1].clone()];
    let ch = m.open(&c0, svc, 10 * UNIT, exp).await.unwrap();
    let unserved = m.open(&c1, svc, 10 * UNIT, exp).await.unwrap();
    wire_big_reply_oracle(&m, revert).await;
    let p = &m.provider;

    // A claim: paid, and the report is named as failed (a reply that reverted).
    let claim = m.escrow().claim(m.voucher(&c0, ch, 3 * UNIT));
    let sent = m
        .client
        .send(&p.key, claim)
        .await
        .expect("the claim goes through whatever reputation replies");
    assert_eq!(sent.value, 3 * UNIT);
    assert_eq!(report_failed(&sent.events, ReportKind::Settlements), revert);
    assert_eq!(m.channel(ch).await.unwrap().claimed, 3 * UNIT);

    // A batch claim and a close with a final voucher.
    let batch = m.escrow().claim_batch(vec![m.voucher(&c0, ch, 4 * UNIT)]);
    let sent = m.client.send(&p.key, batch).await.expect("claim_batch");
    assert_eq!(sent.value, vec![Ok(UNIT)]);
    let close = m.escrow().close(
        ch,
        Some(escrow::types::FinalVoucher {
            amount: 5 * UNIT,
            signature: m.voucher(&c0, ch, 5 * UNIT).signature,
        }),
    );
    let sent = m.client.send(&p.key, close).await.expect("close");
    assert_eq!(sent.value, 5 * UNIT);

    // An unserved channel refunded after expiry: the failure report cannot block it.
    m.advance(DAY + 1).await;
    let sent = m
        .client
        .send(&c1.key, m.escrow().refund(unserved))
        .await
        .expect("refund");
    assert_eq!(sent.value, 10 * UNIT);
    assert_eq!(report_failed(&sent.events, ReportKind::Failure), revert);
    m.check_conservation(base).await.unwrap();
}

#[tokio::test]
async fn a_reputation_contract_reverting_with_a_20_kib_reply_does_not_block_settlement() {
    claims_close_and_refund_go_through_a_big_reply(true).await;
}

#[tokio::test]
async fn a_reputation_contract_returning_a_20_kib_reply_does_not_block_settlement() {
    claims_close_and_refund_go_through_a_big_reply(false).await;
}
