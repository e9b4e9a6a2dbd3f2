//! The marketplace workflow, narrated, as a list of steps: register, discover, pay per
//! call with vouchers, batch-claim, rate, re-rank, refund, and the books. Each step
//! returns its narration and its facts (for `--output-json` and the tests) or an error;
//! nothing here panics on a chain's answer.

use crate::actors::{Cast, Who, UNIT};
use gb_chain::{AccountId, Balance, Chain, ChainError, Timestamp};
use gb_client::{Client, ClientError, ServiceId, ServiceSpec};
use gb_interfaces::{ChannelId, Voucher};
use serde::Serialize;
use serde_json::json;

/// Expiry of the channel the demo lets lapse (ms): short, so that a real node gets
/// there in seconds too.
pub const SHORT_EXPIRY: Timestamp = 6_000;
const HOUR: Timestamp = 3_600_000;
const DAY: Timestamp = 24 * HOUR;

/// One step of the demo: what happened, in lines a person reads, and the same as data.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    pub title: String,
    pub lines: Vec<String>,
    pub facts: serde_json::Value,
}

/// Why the demo stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Call(#[from] ClientError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A balance is not what the claimed amounts, fees and deposits say it must be.
    #[error("the books do not balance: {what}: expected {expected} plancks, found {actual}")]
    Books {
        what: &'static str,
        expected: i128,
        actual: i128,
    },
}

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

/// The demo's market: the deployed suite, its cast and what the steps learned.
pub struct Demo<C> {
    pub client: Client<C>,
    pub cast: Cast,
    /// Services registered before this run (0 on a fresh deployment).
    pub earlier_services: u64,
    /// What the escrow holds beyond its books at the start (its existential deposit
    /// and earlier runs' dust): the base of the conservation check.
    base: Balance,
    fee_bps: u16,
    services: Vec<(ServiceId, &'static str)>,
    channels: Vec<(ChannelId, Who, ServiceId)>,
    vouchers: Vec<Voucher>,
    /// Gas (ref_time) of every call the demo made.
    ref_time: u64,
    calls: usize,
    tx_fees: Balance,
    /// The clients' voucher scheme: sr25519, or ecdsa where escrow takes only that.
    voucher_scheme: &'static str,
}

/// Funds each actor is topped up to (the in-process chain mints; a node transfers from
/// the deployer, whose dev account holds far more).
pub const ACTOR_FUNDS: Balance = 10_000 * UNIT;

impl<C: Chain> Demo<C> {
    /// The demo on a deployed suite: funds the cast (from `funder`) and reads what
    /// earlier runs left.
    pub async fn new(
        client: Client<C>,
        funder: &gb_chain::AccountKey,
        n_clients: usize,
    ) -> Result<Self, DemoError> {
        let next = client.query(client.registry().next_service_id()).await?;
        let earlier_services = next.saturating_sub(1);
        let mut cast = Cast::new(n_clients, earlier_services);
        for w in cast.everyone() {
            client
                .chain()
                .fund(funder, &w.account(), ACTOR_FUNDS)
                .await?;
        }
        let config = client.query(client.escrow().config()).await?;
        // escrow-ecdsa (config says so) takes ecdsa voucher keys only.
        let voucher_scheme = if config.sr25519_vouchers {
            "sr25519"
        } else {
            cast.clients = cast
                .clients
                .into_iter()
                .map(Who::with_ecdsa_vouchers)
                .collect();
            "ecdsa"
        };
        let mut demo = Demo {
            client,
            cast,
            earlier_services,
            base: 0,
            fee_bps: config.fee_bps,
            services: Vec::new(),
            channels: Vec::new(),
            vouchers: Vec::new(),
            ref_time: 0,
            calls: 0,
            tx_fees: 0,
            voucher_scheme,
        };
        demo.base = demo.unowed().await?;
        Ok(demo)
    }

    async fn send<O: gb_client::Outcome>(
        &mut self,
        who: &Who,
        m: gb_client::Message<O>,
    ) -> Result<gb_client::Sent<O::Value>, DemoError> {
        let sent = self.client.send(&who.key, m).await?;
        self.ref_time += sent.cost.ref_time;
        self.calls += 1;
        self.tx_fees += sent.fee;
        Ok(sent)
    }

    /// What the escrow contract holds beyond what it owes.
    async fn unowed(&self) -> Result<Balance, DemoError> {
        let acc = self.client.query(self.client.escrow().accounting()).await?;
        let native = self
            .client
            .chain()
            .free_balance(self.client.deployment().escrow())
            .await?;
        Ok(native.saturating_sub(acc.total()))
    }

    /// Every step, in order; stops at the first error.
    pub async fn run(&mut self, mut each: impl FnMut(&Step)) -> Result<Vec<Step>, DemoError> {
        let mut steps = Vec::new();
        macro_rules! step {
            ($e:expr) => {{
                let s = $e.await?;
                each(&s);
                steps.push(s);
            }};
        }
        step!(self.deployed());
        step!(self.register());
        step!(self.discover(
            "medical",
            "2. discovery, `medical`, before any traffic (all at the prior; cheaper first):"
        ));
        step!(self.open_channels());
        step!(self.pay_per_call());
        step!(self.batch_claim());
        step!(self.rate());
        step!(self.discover("medical", "   discovery, `medical`, after:"));
        step!(self.discover("financial", "   discovery, `financial`, after:"));
        step!(self.refund_expired());
        step!(self.books());
        Ok(steps)
    }

    async fn deployed(&mut self) -> Result<Step, DemoError> {
        let d = self.client.deployment();
        Ok(Step {
            title: "deployed".into(),
            lines: vec![
                format!(
                    "deployed and wired: registry {}, reputation {}, escrow {} (fee {} bps)",
                    d.registry(),
                    d.reputation(),
                    d.escrow(),
                    self.fee_bps
                ),
                "U = 1 reference call price = 10^10 plancks".into(),
            ],
            facts: json!({ "registry": d.registry(), "reputation": d.reputation(),
                "escrow": d.escrow(), "fee_bps": self.fee_bps }),
        })
    }

    fn spec(&self, name: &str, price: Balance, tags: &[&str]) -> ServiceSpec {
        ServiceSpec {
            name: name.to_string(),
            price,
            payee: gb_client::ink_account(&self.cast.provider.account()),
            endpoint: format!("https://{name}.example/v1"),
            metadata_uri: format!("ipfs://{name}"),
            metadata_hash: [7; 32],
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    async fn register(&mut self) -> Result<Step, DemoError> {
        let org = match self.earlier_services {
            0 => "acme-ai".to_string(),
            n => format!("acme-ai-{n}"),
        };
        let provider = self.cast.provider.clone();
        let r = self.client.registry();
        self.send(&provider, r.create_org(&org)).await?;
        self.send(&provider, r.add_member(&org, &self.cast.member.account()))
            .await?;
        let catalogue: [(&'static str, Balance, &[&str]); 4] = [
            ("xray-read", UNIT, &["medical", "vision"]),
            ("triage-bot", 8 * UNIT / 10, &["medical"]),
            ("fraud-scan", 2 * UNIT, &["financial"]),
            ("risk-score", 3 * UNIT / 2, &["financial"]),
        ];
        for (name, price, tags) in catalogue {
            let spec = self.spec(name, price, tags);
            let id = self
                .send(&provider, r.register_service(&org, spec))
                .await?
                .value;
            self.services.push((id, name));
        }
        let ids: Vec<ServiceId> = self.services.iter().map(|(id, _)| *id).collect();
        Ok(Step {
            title: "register".into(),
            lines: vec![format!(
                "1. registered org `{org}` with 4 services in `medical` and `financial`: ids {ids:?}"
            )],
            facts: json!({ "org": org, "services": ids }),
        })
    }

    async fn discover(&mut self, tag: &str, title: &str) -> Result<Step, DemoError> {
        let page = self
            .client
            .query(self.client.registry().ranked_by_tag(tag, 0, 32))
            .await?;
        let mut lines = vec![title.to_string()];
        let mut ranking = Vec::new();
        for (i, e) in page.entries.iter().enumerate() {
            let name = self
                .services
                .iter()
                .find(|(id, _)| *id == e.service_id)
                .map_or("(earlier run)", |(_, n)| n);
            lines.push(format!(
                "    {}. #{:<2} {:<10} score {:>6.3}  price {}",
                i + 1,
                e.service_id,
                name,
                f64::from(e.score) / 1e6,
                units(e.price)
            ));
            ranking.push(json!({ "service_id": e.service_id, "name": name,
                "score_ppm": e.score, "price": e.price.to_string() }));
        }
        Ok(Step {
            title: format!("discover {tag}"),
            lines,
            facts: json!({ "tag": tag, "ranking": ranking }),
        })
    }

    fn service(&self, name: &str) -> ServiceId {
        self.services
            .iter()
            .find(|(_, n)| *n == name)
            .map_or(0, |(id, _)| *id)
    }

    async fn open_channels(&mut self) -> Result<Step, DemoError> {
        let now = self.client.chain().now().await?;
        let clients = self.cast.clients.clone();
        for (i, c) in clients.iter().enumerate() {
            let svc = self.service(if i % 2 == 0 {
                "xray-read"
            } else {
                "fraud-scan"
            });
            let m = self
                .client
                .escrow()
                .deposit_and_open(svc, c.signer(), 500 * UNIT, now + DAY);
            let ch = self.send(c, m).await?.value;
            self.channels.push((ch, c.clone(), svc));
        }
        Ok(Step {
            title: "open channels".into(),
            lines: vec![format!(
                "3. {} clients opened channels of 500 U each (deposit_and_open, expiry in 24 h)",
                self.channels.len()
            )],
            facts: json!({ "channels": self.channels.iter().map(|(ch, _, svc)|
                json!({ "channel_id": ch, "service_id": svc })).collect::<Vec<_>>() }),
        })
    }

    async fn pay_per_call(&mut self) -> Result<Step, DemoError> {
        let escrow = self.client.voucher_domain();
        let xray = self.service("xray-read");
        let mut total = 0u128;
        for (k, (ch, c, svc)) in self.channels.iter().enumerate() {
            let price = if *svc == xray { UNIT } else { 2 * UNIT };
            let calls = 100 + 50 * k as u128;
            // A voucher per call, for the cumulative amount; the provider keeps the last.
            let mut best = None;
            for n in 1..=calls {
                best = Some(gb_voucher::sign(&c.vouchers, &escrow, *ch, n * price));
            }
            total += calls;
            if let Some(v) = best {
                self.vouchers.push(v);
            }
        }
        Ok(Step {
            title: "pay per call".into(),
            lines: vec![format!(
                "   clients made {total} paid calls, signing a cumulative {} voucher per call",
                self.voucher_scheme
            )],
            facts: json!({ "calls": total.to_string(), "scheme": self.voucher_scheme }),
        })
    }

    async fn batch_claim(&mut self) -> Result<Step, DemoError> {
        let payee = self.cast.provider.clone();
        let chain = self.client.chain();
        let before = chain.free_balance(&payee.account()).await?;
        let fees_before = self.client.query(self.client.escrow().fees_held()).await?;
        let m = self.client.escrow().claim_batch(self.vouchers.clone());
        let sent = self.send(&payee, m).await?;
        let paid: Balance = sent.value.iter().filter_map(|o| o.as_ref().ok()).sum();
        let fee = self.client.query(self.client.escrow().fees_held()).await? - fees_before;
        let after = self.client.chain().free_balance(&payee.account()).await?;
        // The payee's real balance moved by the net payout, less the storage deposit and
        // the transaction fee it paid for the claim.
        let deposit = sent.cost.storage_deposit;
        let expected = i128::try_from(paid - fee).unwrap_or(i128::MAX)
            - deposit
            - i128::try_from(sent.fee).unwrap_or(i128::MAX);
        let actual = after as i128 - before as i128;
        if actual != expected {
            return Err(DemoError::Books {
                what: "the payee's balance change after the batch claim",
                expected,
                actual,
            });
        }
        Ok(Step {
            title: "batch claim".into(),
            lines: vec![
                format!(
                    "4. the provider batch-claimed {} channels in ONE call: {} gross, {} to the payee, {} protocol fee",
                    sent.value.len(),
                    units(paid),
                    units(paid - fee),
                    units(fee)
                ),
                format!(
                    "   (gas {} ref_time; the payee also paid {} of storage deposit for new records)",
                    sent.cost.ref_time,
                    amount(deposit)
                ),
            ],
            facts: json!({ "channels": sent.value.len(), "gross": paid.to_string(),
                "fee": fee.to_string(), "ref_time": sent.cost.ref_time,
                "proof_size": sent.cost.proof_size, "storage_deposit": deposit.to_string() }),
        })
    }

    async fn rate(&mut self) -> Result<Step, DemoError> {
        let xray = self.service("xray-read");
        let mut ratings = Vec::new();
        for (k, (ch, c, svc)) in self.channels.clone().iter().enumerate() {
            let stars = if *svc == xray {
                5
            } else if k % 2 == 1 {
                2
            } else {
                3
            };
            let m = self.client.reputation().rate(*ch, stars);
            self.send(c, m).await?;
            ratings.push(json!({ "channel_id": ch, "stars": stars }));
        }
        Ok(Step {
            title: "rate".into(),
            lines: vec![
                "5. each paying client rated its service (xray-read: 5 stars; fraud-scan: 2 stars)"
                    .into(),
            ],
            facts: json!({ "ratings": ratings }),
        })
    }

    async fn refund_expired(&mut self) -> Result<Step, DemoError> {
        let late = self.cast.clients[0].clone();
        let triage = self.service("triage-bot");
        let expiry = self.client.chain().now().await? + SHORT_EXPIRY;
        let m = self
            .client
            .escrow()
            .deposit_and_open(triage, late.signer(), 50 * UNIT, expiry);
        let ch = self.send(&late, m).await?.value;
        self.client.chain().advance(SHORT_EXPIRY + 1_000).await?;
        let refunded = self
            .send(&late, self.client.escrow().refund(ch))
            .await?
            .value;
        let score = self
            .client
            .query(self.client.reputation().score_of(triage))
            .await?;
        Ok(Step {
            title: "refund".into(),
            lines: vec![format!(
                "6. a channel to triage-bot expired unused: refund {} to the client; escrow reported it, triage-bot's failure mass is now {}",
                units(refunded),
                units(score.failure_mass)
            )],
            facts: json!({ "channel_id": ch, "refunded": refunded.to_string(),
                "failure_mass": score.failure_mass.to_string() }),
        })
    }

    async fn books(&mut self) -> Result<Step, DemoError> {
        let acc = self.client.query(self.client.escrow().accounting()).await?;
        let escrow: AccountId = self.client.deployment().escrow().clone();
        let native = self.client.chain().free_balance(&escrow).await?;
        let owed = self.base + acc.total();
        if native != owed {
            return Err(DemoError::Books {
                what: "the escrow contract's native balance against what it owes",
                expected: owed as i128,
                actual: native as i128,
            });
        }
        let mut lines = vec![format!(
            "summary: escrow holds {} (balances {}, locked {}, fees {}) = its native balance; {} calls, {} ref_time in all",
            units(acc.total()),
            units(acc.balances),
            units(acc.locked),
            units(acc.fees),
            self.calls,
            self.ref_time
        )];
        if self.client.deployment().chain.url.is_some() {
            lines.push(format!(
                "transaction fees paid on the node by all actors: {}",
                amount(self.tx_fees as i128)
            ));
        }
        Ok(Step {
            title: "books".into(),
            lines,
            facts: json!({ "balanced": true, "balances": acc.balances.to_string(),
                "locked": acc.locked.to_string(), "fees": acc.fees.to_string(),
                "native": native.to_string(), "calls": self.calls,
                "ref_time": self.ref_time, "tx_fees": self.tx_fees.to_string() }),
        })
    }
}
