//! The run: deploys the suite on a chain, starts the markets' providers (a model behind
//! a real gateway each), lets paying agents call, measure and rate in rounds, runs the
//! ensemble agent, and measures the outcome ([`Results`]).
//!
//! Each round, every agent makes a batch of calls: for each, it chooses a service of
//! its market's tag with its selection policy (ε-greedy on the registry's score),
//! pays the call through the service's gateway, and compares the answer to the label
//! of its held-out example. Then every gateway batch-claims, and each agent rates each
//! service it paid this round with the quality it measured so far (a fresh channel
//! carries its next rating: one rating per claimed channel).

use crate::datasets::{Example, Label, Task};
use crate::ensemble::Ensemble;
use crate::models::{quality, Model, ModelSpec};
use crate::provider::{Listing, Provider, ProviderError};
use crate::results::*;
use crate::upstream::{self, Behaviour, PredictRequest, PredictResponse};
use gb_agent::{Agent, AgentConfig, CallRequest, ChannelPolicy, Order, Rating, SelectionPolicy};
use gb_chain::{AccountKey, Balance, Chain, Recorder};
use gb_client::Client;
use gb_interfaces::ServiceId;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// 10^10 plancks, the reputation contract's reference price.
pub const UNIT: Balance = gb_scoring::DEFAULT_UNIT;

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("deploying the suite: {0}")]
    Deploy(String),
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("training {0}")]
    Model(#[from] crate::models::ModelError),
    #[error("agent {who}: {reason}")]
    Agent { who: String, reason: String },
    #[error("chain: {0}")]
    Chain(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

fn chain_err<E: std::fmt::Display>(e: E) -> RunError {
    RunError::Chain(e.to_string())
}

/// How big a run is.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub seed: u64,
    pub rounds: u32,
    /// Calls per agent per round.
    pub calls_per_round: u32,
    /// Paying agents per market.
    pub agents: usize,
    /// Exploration probability of the agents' selection policy.
    pub epsilon: f64,
    /// Calls the ensemble's buyer makes per round (0: no ensemble).
    pub ensemble_calls_per_round: u32,
    /// Print the narration as it happens.
    pub narrate: bool,
}

impl RunConfig {
    /// The short run of the test command.
    pub fn quick(seed: u64) -> Self {
        RunConfig {
            seed,
            rounds: 6,
            calls_per_round: 8,
            agents: 3,
            epsilon: 0.5,
            ensemble_calls_per_round: 4,
            narrate: false,
        }
    }

    /// The main command's run.
    pub fn full(seed: u64) -> Self {
        RunConfig {
            seed,
            rounds: 10,
            calls_per_round: 12,
            agents: 4,
            epsilon: 0.3,
            ensemble_calls_per_round: 10,
            narrate: false,
        }
    }
}

/// A service a market offers.
struct Offer {
    name: &'static str,
    model: ModelSpec,
    behaviour: Behaviour,
    price: Balance,
    role: Role,
}

struct MarketSpec {
    name: &'static str,
    task: Task,
    offers: Vec<Offer>,
}

fn markets() -> Vec<MarketSpec> {
    let offer = |name, model, price, role| Offer {
        name,
        model,
        behaviour: Behaviour::Honest,
        price,
        role,
    };
    vec![
        MarketSpec {
            name: "medical",
            task: Task::BreastCancer,
            offers: vec![
                offer("onco-knn", ModelSpec::Knn { k: 5 }, 3 * UNIT, Role::Best),
                offer("quick-bayes", ModelSpec::NaiveBayes, 2 * UNIT, Role::Weaker),
                offer("stump-dx", ModelSpec::Tree { depth: 1 }, UNIT, Role::Weaker),
                offer("miracle-dx", ModelSpec::Random, 2 * UNIT, Role::Scam),
            ],
        },
        MarketSpec {
            name: "vision",
            task: Task::Digits,
            offers: vec![
                offer("pixel-knn", ModelSpec::Knn { k: 3 }, 2 * UNIT, Role::Best),
                offer("tree-ocr", ModelSpec::Tree { depth: 4 }, UNIT, Role::Weaker),
            ],
        },
        MarketSpec {
            name: "financial",
            task: Task::Diabetes,
            offers: vec![
                offer(
                    "ridge-forecast",
                    ModelSpec::Ridge { alpha: 0.1 },
                    2 * UNIT,
                    Role::Best,
                ),
                offer("flat-mean", ModelSpec::Mean, UNIT, Role::Weaker),
            ],
        },
    ]
}

/// The quality an agent rates with: for classes, the accuracy's skill over chance
/// (`(acc − 1/C) / (1 − 1/C)`: a coin-flipper rates 0 whatever the number of
/// classes); for numbers, `1 − MAE/MAD` ([`quality`]); clamped to [0, 1].
pub fn rated_quality(task: Task, measured: f64) -> f64 {
    let q = match task {
        Task::BreastCancer => (measured - 0.5) / 0.5,
        Task::Digits => (measured - 0.1) / 0.9,
        Task::Diabetes => measured,
    };
    q.clamp(0.0, 1.0)
}

/// The narration: printed as it happens when asked, and always counted.
struct Narrator {
    print: bool,
}

impl Narrator {
    fn say(&self, line: impl AsRef<str>) {
        if self.print {
            println!("{}", line.as_ref());
        }
    }
}

fn u(v: Balance) -> String {
    let whole = v / UNIT;
    let frac = (v % UNIT) * 100 / UNIT;
    if frac == 0 {
        format!("{whole} U")
    } else {
        format!("{whole}.{frac:02} U")
    }
}

struct LiveService {
    provider: Provider,
    role: Role,
    model: Option<ModelSpec>,
    behaviour: Behaviour,
    ratings: Vec<u8>,
}

struct LiveAgent {
    name: String,
    agent: Agent,
    examples: Vec<Example>,
    next: usize,
    /// (answer, truth) per service.
    answers: BTreeMap<ServiceId, Vec<(Label, Label)>>,
    /// Services whose current channel was rated: the next call opens a fresh one.
    rated: BTreeSet<ServiceId>,
    /// Services paid since the last rating.
    paid_since_rating: BTreeSet<ServiceId>,
}

struct LiveMarket {
    spec_name: &'static str,
    task: Task,
    tag: String,
    services: Vec<LiveService>,
    agents: Vec<LiveAgent>,
    rounds: Vec<RoundResult>,
    calls: BTreeMap<ServiceId, u64>,
}

struct Ctx {
    client: Client<Arc<dyn Chain>>,
    deployer: AccountKey,
    recorder: Arc<Recorder<Arc<dyn Chain>>>,
    suffix: String,
    dir: tempfile::TempDir,
    cfg: RunConfig,
    log: Narrator,
    cost: ChainCost,
}

const FUNDS: Balance = 5_000 * UNIT;
const CALLS_PER_CHANNEL: u32 = 20;

impl Ctx {
    async fn account(&self, seed: &str) -> Result<AccountKey, RunError> {
        let k = AccountKey::dev(seed);
        self.client
            .chain()
            .fund(&self.deployer, &k.account_id(), FUNDS)
            .await
            .map_err(chain_err)?;
        Ok(k)
    }

    async fn agent(&self, seed: &str, salt: u64) -> Result<Agent, RunError> {
        let key = self.account(seed).await?;
        let fail = |e: gb_agent::AgentError| RunError::Agent {
            who: seed.into(),
            reason: e.to_string(),
        };
        let vouchers = gb_agent::voucher_key_for(&self.client, &format!("//{seed}"))
            .await
            .map_err(fail)?;
        let mut config = AgentConfig::new(self.dir.path().join(format!("{seed}.db")));
        config.selection = SelectionPolicy {
            order: Order::Score,
            epsilon: self.cfg.epsilon,
            newcomer_n: 3,
        };
        config.channels = ChannelPolicy {
            calls_per_channel: CALLS_PER_CHANNEL,
            ..ChannelPolicy::default()
        };
        let agent = Agent::new(
            self.client.chain().clone(),
            self.client.deployment().clone(),
            key,
            vouchers,
            config,
        )
        .await
        .map_err(fail)?;
        agent.seed(self.cfg.seed.wrapping_mul(1_000_003).wrapping_add(salt));
        Ok(agent)
    }

    /// Transactions recorded since `from`: (count, fees, ref_time).
    fn txs_since(&self, from: usize) -> (u64, Balance, u64) {
        let e = self.recorder.entries();
        let new = &e[from.min(e.len())..];
        (
            new.len() as u64,
            new.iter().map(|x| x.fee).sum(),
            new.iter().map(|x| x.cost.ref_time).sum(),
        )
    }
}

/// Runs the markets on `chain` with `deployer` (a funded account: the in-process
/// chain's endowed key, or `--suri` on a node).
pub async fn run(
    chain: Arc<dyn Chain>,
    deployer: AccountKey,
    cfg: RunConfig,
) -> Result<Results, RunError> {
    let recorder = Arc::new(Recorder::new(chain));
    let chain: Arc<dyn Chain> = recorder.clone();
    let log = Narrator { print: cfg.narrate };
    let now = chain.now().await.map_err(chain_err)?;
    let bundles = gb_deploy::Bundles::load(&gb_deploy::bundle::default_dir())
        .map_err(|e| RunError::Deploy(e.to_string()))?;
    let opts = gb_deploy::Options {
        fee_bps: 100,
        treasury: AccountKey::dev("Ferdie").account_id(),
        salt: now.to_le_bytes().to_vec(),
    };
    log.say(format!(
        "deploying registry, escrow and reputation on {} (protocol fee 1 %)…",
        chain
            .info()
            .url
            .clone()
            .unwrap_or_else(|| "the in-process chain".into())
    ));
    let deployment = gb_deploy::suite::deploy(&chain, &bundles, &deployer, &opts)
        .await
        .map_err(|e| RunError::Deploy(e.to_string()))?;
    // A node's clock cannot be moved, and names there must not collide with earlier runs.
    let on_node = chain.info().url.is_some();
    let suffix = if on_node {
        format!("-{}", now % 1_000_000)
    } else {
        String::new()
    };
    let mut ctx = Ctx {
        client: Client::new(chain, deployment),
        deployer,
        recorder,
        suffix,
        dir: tempfile::tempdir()?,
        cfg,
        log,
        cost: ChainCost::default(),
    };

    // ---- providers ------------------------------------------------------------------
    let mut live = Vec::new();
    for (mi, spec) in markets().into_iter().enumerate() {
        let split = spec.task.split(ctx.cfg.seed ^ (mi as u64 + 1), 0.6);
        let tag = format!("{}{}", spec.name, ctx.suffix);
        let mut services = Vec::new();
        for (si, offer) in spec.offers.iter().enumerate() {
            let owner = ctx.account(&format!("provider-{}", offer.name)).await?;
            let org = format!("{}-labs{}", offer.name, ctx.suffix);
            let c = &ctx.client;
            c.send(&owner, c.registry().create_org(&org))
                .await
                .map_err(chain_err)?;
            let model = Model::train(offer.model, &split.train, ctx.cfg.seed + si as u64)?;
            let up = upstream::serve(model, offer.behaviour).await?;
            let provider = Provider::start(
                c,
                Listing {
                    owner: &owner,
                    org: &org,
                    name: offer.name,
                    price: offer.price,
                    tag: &tag,
                },
                up,
            )
            .await?;
            ctx.log.say(format!(
                "[{}] {} registered service #{} `{}` at {} per call: a {:?} model trained on {} {} samples, behind its gateway at {}",
                spec.name,
                org,
                provider.id,
                offer.name,
                u(offer.price),
                offer.model,
                split.train.len(),
                spec.task.name(),
                provider.gateway_addr
            ));
            services.push(LiveService {
                provider,
                role: offer.role,
                model: Some(offer.model),
                behaviour: offer.behaviour,
                ratings: Vec::new(),
            });
        }
        live.push((spec, split, tag, services));
    }

    // ---- agents ---------------------------------------------------------------------
    let mut markets_live = Vec::new();
    let mut clinic_examples = Vec::new();
    for (mi, (spec, split, tag, services)) in live.into_iter().enumerate() {
        let with_clinic = spec.name == "medical" && ctx.cfg.ensemble_calls_per_round > 0;
        let holders = ctx.cfg.agents + usize::from(with_clinic);
        let mut shares: Vec<Vec<Example>> = vec![Vec::new(); holders];
        for (i, e) in split.test.into_iter().enumerate() {
            shares[i % holders].push(e);
        }
        if with_clinic {
            clinic_examples = shares.pop().unwrap_or_default();
        }
        let mut agents = Vec::new();
        for (ai, examples) in shares.into_iter().enumerate() {
            let name = format!("{}-agent-{}", spec.name, ai + 1);
            let agent = ctx.agent(&name, (mi * 100 + ai) as u64).await?;
            ctx.log.say(format!(
                "[{}] {name} holds {} held-out {} samples and {} to spend",
                spec.name,
                examples.len(),
                spec.task.name(),
                u(FUNDS)
            ));
            agents.push(LiveAgent {
                name,
                agent,
                examples,
                next: 0,
                answers: BTreeMap::new(),
                rated: BTreeSet::new(),
                paid_since_rating: BTreeSet::new(),
            });
        }
        markets_live.push(LiveMarket {
            spec_name: spec.name,
            task: spec.task,
            tag,
            services,
            agents,
            rounds: Vec::new(),
            calls: BTreeMap::new(),
        });
    }

    // ---- the ensemble ---------------------------------------------------------------
    let mut ensemble = None;
    if ctx.cfg.ensemble_calls_per_round > 0 {
        let medical = &markets_live[0];
        let owner_seed = "global-brain";
        let agent = ctx.agent(owner_seed, 9_999).await?;
        let owner = ctx.account(owner_seed).await?;
        let k = 3;
        let sources: Balance = {
            let mut prices: Vec<Balance> =
                medical.services.iter().map(|s| s.provider.price).collect();
            prices.sort_unstable_by(|a, b| b.cmp(a));
            prices.iter().take(k).sum()
        };
        let price = sources + UNIT;
        let e = Ensemble::new(agent, medical.tag.clone(), k);
        let up = e.serve().await?;
        let org = format!("global-brain{}", ctx.suffix);
        let tag = format!("medical-ensemble{}", ctx.suffix);
        let c = &ctx.client;
        c.send(&owner, c.registry().create_org(&org))
            .await
            .map_err(chain_err)?;
        let provider = Provider::start(
            c,
            Listing {
                owner: &owner,
                org: &org,
                name: "global-brain",
                price,
                tag: &tag,
            },
            up,
        )
        .await?;
        ctx.log.say(format!(
            "[ensemble] the agent `global-brain` registered service #{} under `{tag}` at {} per call: \
             for each request it buys the answer of the {k} best-ranked `{}` services and takes the majority",
            provider.id,
            u(price),
            medical.tag
        ));
        let clinic = ctx.agent("clinic", 7_777).await?;
        ctx.log.say(format!(
            "[ensemble] agent `clinic` holds {} held-out breast-cancer samples and buys from the ensemble",
            clinic_examples.len()
        ));
        ensemble = Some(EnsembleLive {
            e,
            provider,
            clinic: LiveAgent {
                name: "clinic".into(),
                agent: clinic,
                examples: clinic_examples,
                next: 0,
                answers: BTreeMap::new(),
                rated: BTreeSet::new(),
                paid_since_rating: BTreeSet::new(),
            },
            ratings: Vec::new(),
        });
    }

    // ---- rounds ---------------------------------------------------------------------
    if on_node {
        ctx.log.say(
            "\n(on a node a round is not a day: the node's clock cannot be moved, so each \
             agent rates a service once in the run — the reputation contract takes one rating \
             per client, payee and day — and later ratings are skipped)",
        );
    }
    for round in 1..=ctx.cfg.rounds {
        ctx.log.say(format!("\n--- round {round} ---"));
        for m in markets_live.iter_mut() {
            let mut round_calls: BTreeMap<ServiceId, u64> = BTreeMap::new();
            for a in m.agents.iter_mut() {
                let made = calls(&mut ctx, m.task, &m.tag, &m.services, a).await?;
                for (id, n) in made {
                    *round_calls.entry(id).or_default() += n;
                }
            }
            if m.spec_name == "medical" {
                if let Some(en) = ensemble.as_mut() {
                    let n = ctx.cfg.ensemble_calls_per_round;
                    let made = ensemble_calls(&mut ctx, n, en).await?;
                    ctx.log.say(made);
                }
            }
            for (id, n) in &round_calls {
                *m.calls.entry(*id).or_default() += n;
            }
            claim(&mut ctx, m.spec_name, &m.services).await?;
            if m.spec_name == "medical" {
                if let Some(en) = ensemble.as_ref() {
                    claim_one(&mut ctx, "ensemble", &en.provider).await?;
                }
            }
            rate(&mut ctx, m).await?;
            let total: u64 = round_calls.values().sum();
            let (ranking, scores) = ranking(&ctx, m).await?;
            let share = m
                .services
                .iter()
                .map(|s| {
                    let n = round_calls.get(&s.provider.id).copied().unwrap_or(0);
                    (s.provider.name.clone(), n as f64 / total.max(1) as f64)
                })
                .collect::<BTreeMap<_, _>>();
            ctx.log.say(format!(
                "[{}] ranking after round {round}: {}",
                m.spec_name,
                ranking
                    .iter()
                    .map(|n| format!(
                        "{n} ({:.3}, {:.0} % of calls)",
                        scores[n] as f64 / 1e6,
                        100.0 * share[n]
                    ))
                    .collect::<Vec<_>>()
                    .join(" > ")
            ));
            m.rounds.push(RoundResult {
                round,
                ranking,
                scores,
                share,
            });
        }
        if let Some(en) = ensemble.as_mut() {
            rate_ensemble(&mut ctx, en).await?;
        }
        // A round is a day: the reputation contract takes one rating per client,
        // payee and day. Only the in-process chain's clock can be moved; a node's
        // `advance` would wait a real day, so on a node the rounds share the day and the
        // ratings it refuses for this reason are skipped.
        if !on_node
            && ctx
                .client
                .chain()
                .advance(gb_scoring::decay::EPOCH_MS)
                .await
                .is_ok()
        {
            for m in &markets_live {
                for s in &m.services {
                    s.provider.sync_clock().await;
                }
            }
            if let Some(en) = &ensemble {
                en.provider.sync_clock().await;
            }
        }
    }

    finish(ctx, markets_live, ensemble).await
}

struct EnsembleLive {
    e: Arc<Ensemble>,
    provider: Provider,
    clinic: LiveAgent,
    ratings: Vec<u8>,
}

fn measured(pairs: Option<&Vec<(Label, Label)>>) -> Option<f64> {
    pairs.and_then(|p| quality(p))
}

/// One agent's batch of calls in a round; returns the calls per service.
async fn calls(
    ctx: &mut Ctx,
    task: Task,
    tag: &str,
    services: &[LiveService],
    a: &mut LiveAgent,
) -> Result<BTreeMap<ServiceId, u64>, RunError> {
    let fail = |who: &str, e: gb_agent::AgentError| RunError::Agent {
        who: who.into(),
        reason: e.to_string(),
    };
    let mut made: BTreeMap<ServiceId, u64> = BTreeMap::new();
    let mut paid: BTreeMap<ServiceId, Balance> = BTreeMap::new();
    let mut right: BTreeMap<ServiceId, u64> = BTreeMap::new();
    let before = ctx.recorder.entries().len();
    for _ in 0..ctx.cfg.calls_per_round {
        let (service, _how) = a.agent.choose(tag).await.map_err(|e| fail(&a.name, e))?;
        let (answer, charged) = buy(a, &service).await?;
        let example = &a.examples[(a.next + a.examples.len() - 1) % a.examples.len()];
        *made.entry(service.id).or_default() += 1;
        *paid.entry(service.id).or_default() += charged;
        if let Some(answer) = answer {
            if answer == example.label {
                *right.entry(service.id).or_default() += 1;
            }
            a.answers
                .entry(service.id)
                .or_default()
                .push((answer, example.label));
        }
    }
    let (txs, fees, ref_time) = ctx.txs_since(before);
    ctx.cost.channel_txs += txs;
    ctx.cost.fees += fees;
    ctx.cost.ref_time += ref_time;
    let parts: Vec<String> = made
        .iter()
        .map(|(id, n)| {
            let name = services
                .iter()
                .find(|s| s.provider.id == *id)
                .map_or("?", |s| s.provider.name.as_str());
            let detail = if task.is_classification() {
                format!("{}/{n} right", right.get(id).copied().unwrap_or(0))
            } else {
                format!(
                    "quality so far {}",
                    measured(a.answers.get(id)).map_or("-".into(), |q| format!("{q:.2}"))
                )
            };
            format!("{name} {n}× ({}, {detail})", u(paid[id]))
        })
        .collect();
    ctx.log.say(format!(
        "  {} paid {}{}",
        a.name,
        parts.join(", "),
        if txs > 0 {
            format!("; {txs} channel transaction(s)")
        } else {
            String::new()
        }
    ));
    Ok(made)
}

/// One paid call of `a`'s next example to `service`: the answer (if any) and the
/// charge.
async fn buy(
    a: &mut LiveAgent,
    service: &gb_agent::ServiceInfo,
) -> Result<(Option<Label>, Balance), RunError> {
    let fail = |who: &str, e: gb_agent::AgentError| RunError::Agent {
        who: who.into(),
        reason: e.to_string(),
    };
    if a.rated.remove(&service.id) {
        // The rated channel has carried its rating: the next ones go on a fresh one.
        let now = a.agent.client().chain().now().await.map_err(chain_err)?;
        let policy = &a.agent.config().channels;
        let funds = service.price * Balance::from(policy.calls_per_channel);
        let expiry = now + policy.duration_ms;
        a.agent
            .open_channel(service, funds, expiry)
            .await
            .map_err(|e| fail(&a.name, e))?;
    }
    let example = &a.examples[a.next % a.examples.len()];
    a.next += 1;
    let body = serde_json::to_vec(&PredictRequest {
        features: example.features.clone(),
    })
    .map_err(|e| fail(&a.name, gb_agent::AgentError::Request(e.to_string())))?;
    let request = CallRequest::post("/predict", body).header("content-type", "application/json");
    let paid = a
        .agent
        .call(service, request)
        .await
        .map_err(|e| fail(&a.name, e))?;
    a.paid_since_rating.insert(service.id);
    let charged = paid.receipt.charged;
    let answer = if paid.response.status() == 200 {
        let bytes = paid
            .response
            .bytes()
            .await
            .map_err(|e| fail(&a.name, gb_agent::AgentError::Request(e.to_string())))?;
        serde_json::from_slice::<PredictResponse>(&bytes)
            .ok()
            .map(|r| r.answer)
    } else {
        None
    };
    Ok((answer, charged))
}

async fn ensemble_calls(ctx: &mut Ctx, n: u32, en: &mut EnsembleLive) -> Result<String, RunError> {
    let fail = |e: gb_agent::AgentError| RunError::Agent {
        who: "clinic".into(),
        reason: e.to_string(),
    };
    let before_bought = en.e.bought();
    let before = ctx.recorder.entries().len();
    let service = en
        .clinic
        .agent
        .service(en.provider.id)
        .await
        .map_err(fail)?;
    let mut right = 0;
    let mut spent = 0;
    for _ in 0..n {
        let (answer, charged) = buy(&mut en.clinic, &service).await?;
        spent += charged;
        let example = &en.clinic.examples[(en.clinic.next - 1) % en.clinic.examples.len()];
        if let Some(answer) = answer {
            right += u64::from(answer == example.label);
            en.clinic
                .answers
                .entry(service.id)
                .or_default()
                .push((answer, example.label));
        }
    }
    let (txs, fees, ref_time) = ctx.txs_since(before);
    ctx.cost.channel_txs += txs;
    ctx.cost.fees += fees;
    ctx.cost.ref_time += ref_time;
    let after = en.e.bought();
    let names = ranked_names(ctx, &en.e).await;
    let bought: Vec<String> = after
        .iter()
        .map(|(id, p)| {
            let b = before_bought.get(id).cloned().unwrap_or_default();
            format!(
                "{} {}× ({})",
                names.get(id).cloned().unwrap_or_else(|| format!("#{id}")),
                p.calls - b.calls,
                u(p.paid - b.paid)
            )
        })
        .filter(|s| !s.contains(" 0×"))
        .collect();
    Ok(format!(
        "  clinic paid global-brain {n}× ({}, {right}/{n} right); global-brain paid in turn {}",
        u(spent),
        bought.join(", ")
    ))
}

async fn ranked_names(ctx: &Ctx, e: &Ensemble) -> BTreeMap<ServiceId, String> {
    let _ = ctx;
    let mut names = BTreeMap::new();
    for (id, _) in e.bought() {
        if let Ok(s) = e.agent().service(id).await {
            names.insert(id, s.name);
        }
    }
    names
}

async fn claim_one(ctx: &mut Ctx, market: &str, p: &Provider) -> Result<(), RunError> {
    let before = ctx.recorder.entries().len();
    let (value, _batches) = p.claim().await?;
    let (txs, fees, ref_time) = ctx.txs_since(before);
    ctx.cost.claim_txs += txs;
    ctx.cost.fees += fees;
    ctx.cost.ref_time += ref_time;
    if value > 0 {
        ctx.log.say(format!(
            "  [{market}] {}'s gateway claimed {} in {txs} transaction(s) (1 % to the protocol)",
            p.name,
            u(value)
        ));
    }
    Ok(())
}

async fn claim(ctx: &mut Ctx, market: &str, services: &[LiveService]) -> Result<(), RunError> {
    for s in services {
        claim_one(ctx, market, &s.provider).await?;
    }
    Ok(())
}

async fn rate(ctx: &mut Ctx, m: &mut LiveMarket) -> Result<(), RunError> {
    let before = ctx.recorder.entries().len();
    for a in m.agents.iter_mut() {
        let mut said = Vec::new();
        for id in std::mem::take(&mut a.paid_since_rating) {
            let Some(q) = measured(a.answers.get(&id)) else {
                continue;
            };
            let rq = rated_quality(m.task, q);
            let rated = match a.agent.rate(id, Rating::Quality(rq)).await {
                Ok(r) => r,
                Err(e) if rated_this_epoch(&e) => continue,
                Err(e) => {
                    return Err(RunError::Agent {
                        who: a.name.clone(),
                        reason: e.to_string(),
                    })
                }
            };
            a.rated.insert(id);
            if let Some(s) = m.services.iter_mut().find(|s| s.provider.id == id) {
                s.ratings.push(rated.stars);
                said.push(format!(
                    "{} {}★ (measured {q:.2})",
                    s.provider.name, rated.stars
                ));
            }
        }
        if !said.is_empty() {
            ctx.log
                .say(format!("  {} rated {}", a.name, said.join(", ")));
        }
    }
    let (txs, fees, ref_time) = ctx.txs_since(before);
    ctx.cost.rate_txs += txs;
    ctx.cost.fees += fees;
    ctx.cost.ref_time += ref_time;
    Ok(())
}

async fn rate_ensemble(ctx: &mut Ctx, en: &mut EnsembleLive) -> Result<(), RunError> {
    let before = ctx.recorder.entries().len();
    let id = en.provider.id;
    if en.clinic.paid_since_rating.remove(&id) {
        if let Some(q) = measured(en.clinic.answers.get(&id)) {
            let rated = match en
                .clinic
                .agent
                .rate(id, Rating::Quality(rated_quality(Task::BreastCancer, q)))
                .await
            {
                Ok(r) => r,
                // On a node the rounds share one day (see the rounds' loop).
                Err(e) if rated_this_epoch(&e) => return Ok(()),
                Err(e) => {
                    return Err(RunError::Agent {
                        who: "clinic".into(),
                        reason: e.to_string(),
                    })
                }
            };
            en.clinic.rated.insert(id);
            en.ratings.push(rated.stars);
            ctx.log.say(format!(
                "  clinic rated global-brain {}★ (measured {q:.2})",
                rated.stars
            ));
        }
    }
    let (txs, fees, ref_time) = ctx.txs_since(before);
    ctx.cost.rate_txs += txs;
    ctx.cost.fees += fees;
    ctx.cost.ref_time += ref_time;
    Ok(())
}

/// The reputation contract's refusal of a second rating of one payee by one client in
/// one day (on a node, whose clock the run cannot move, the rounds share a day).
fn rated_this_epoch(e: &gb_agent::AgentError) -> bool {
    matches!(e, gb_agent::AgentError::Client(c)
        if c.reputation_error() == Some(reputation::Error::AlreadyRatedPayeeThisEpoch))
}

/// The market's ranking (registry order: score, price, id) and scores by name.
async fn ranking(
    ctx: &Ctx,
    m: &LiveMarket,
) -> Result<(Vec<String>, BTreeMap<String, u32>), RunError> {
    let c = &ctx.client;
    let mut rows = Vec::new();
    for s in &m.services {
        let score = c
            .query(c.reputation().score_of(s.provider.id))
            .await
            .map_err(chain_err)?;
        rows.push((
            score.lcb,
            s.provider.price,
            s.provider.id,
            s.provider.name.clone(),
        ));
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let scores = rows.iter().map(|r| (r.3.clone(), r.0)).collect();
    Ok((rows.into_iter().map(|r| r.3).collect(), scores))
}

async fn finish(
    mut ctx: Ctx,
    markets_live: Vec<LiveMarket>,
    ensemble: Option<EnsembleLive>,
) -> Result<Results, RunError> {
    ctx.log.say("\n--- final claims and the books ---");
    let mut all_providers: Vec<(&Provider, &'static str)> = Vec::new();
    for m in &markets_live {
        for s in &m.services {
            all_providers.push((&s.provider, m.spec_name));
        }
    }
    if let Some(en) = &ensemble {
        all_providers.push((&en.provider, "ensemble"));
    }
    for (p, market) in &all_providers {
        claim_one(&mut ctx, market, p).await?;
    }
    let c = &ctx.client;
    // Every agent's channels, on chain.
    let mut agents: Vec<&Agent> = markets_live
        .iter()
        .flat_map(|m| m.agents.iter().map(|a| &a.agent))
        .collect();
    if let Some(en) = &ensemble {
        agents.push(&en.clinic.agent);
        agents.push(en.e.agent());
    }
    let mut deposits = 0;
    let mut claimed_total = 0;
    let mut claimed_by_service: BTreeMap<ServiceId, Balance> = BTreeMap::new();
    for a in &agents {
        for ch in a.channels() {
            let on = c
                .query(c.escrow().channel(ch.channel_id))
                .await
                .map_err(chain_err)?
                .ok_or_else(|| RunError::Chain(format!("channel {} is gone", ch.channel_id)))?;
            deposits += on.funds;
            claimed_total += on.claimed;
            *claimed_by_service.entry(ch.service_id).or_default() += on.claimed;
        }
    }
    let accounting = c.query(c.escrow().accounting()).await.map_err(chain_err)?;
    let fees_held = c.query(c.escrow().fees_held()).await.map_err(chain_err)?;
    let mut service_books = Vec::new();
    let mut paid_calls = 0;
    for (p, _) in &all_providers {
        let (spent, accepted) = p.ledger().await?;
        let answered = p.upstream.counters.answered();
        let claimed = claimed_by_service.get(&p.id).copied().unwrap_or(0);
        paid_calls += (spent / p.price) as u64;
        service_books.push(ServiceBooks {
            name: p.name.clone(),
            answered,
            price: p.price,
            spent,
            accepted,
            claimed,
            every_call_paid: Balance::from(answered) * p.price == spent,
            everything_claimed: claimed == accepted && accepted == spent,
        });
    }
    let held = deposits - claimed_total;
    let books = Books {
        deposits,
        claimed: claimed_total,
        refunded: 0,
        held,
        credited_to_payees: claimed_total - fees_held,
        protocol_fees: fees_held,
        escrow_locked: accounting.locked,
        balanced: deposits == claimed_total + held
            && held == accounting.locked
            && fees_held == accounting.fees
            && fees_held <= claimed_total / 100,
        services: service_books,
    };
    // On a node the escrow holds earlier runs' channels too: `held == locked` is a
    // fresh chain's check.
    ctx.cost.paid_calls = paid_calls;
    let n = paid_calls.max(1) as f64;
    ctx.cost.fees_per_paid_call = ctx.cost.fees as f64 / n;
    ctx.cost.ref_time_per_paid_call = ctx.cost.ref_time as f64 / n;

    let mut markets = Vec::new();
    for m in &markets_live {
        let mut services = Vec::new();
        let (final_ranking, scores) = ranking(&ctx, m).await?;
        for s in &m.services {
            let id = s.provider.id;
            let pairs: Vec<(Label, Label)> = m
                .agents
                .iter()
                .flat_map(|a| a.answers.get(&id).cloned().unwrap_or_default())
                .collect();
            let (spent, _) = s.provider.ledger().await?;
            services.push(ServiceResult {
                id,
                name: s.provider.name.clone(),
                role: s.role,
                model: s.model,
                behaviour: s.behaviour,
                price: s.provider.price,
                calls: m.calls.get(&id).copied().unwrap_or(0),
                measured: quality(&pairs),
                ratings: s.ratings.clone(),
                score: scores[&s.provider.name],
                revenue: spent,
            });
        }
        let most_accurate = services
            .iter()
            .filter(|s| s.measured.is_some())
            .max_by(|a, b| {
                a.measured
                    .partial_cmp(&b.measured)
                    .unwrap_or(std::cmp::Ordering::Equal)
            })
            .map_or(String::new(), |s| s.name.clone());
        let lost_to_scam = services
            .iter()
            .filter(|s| s.role == Role::Scam)
            .map(|s| s.revenue)
            .sum();
        markets.push(MarketResult {
            name: m.spec_name.into(),
            tag: m.tag.clone(),
            task: m.task.name().into(),
            services,
            rounds: m.rounds.clone(),
            final_ranking,
            most_accurate,
            lost_to_scam,
        });
    }
    let ensemble_result = match &ensemble {
        None => None,
        Some(en) => {
            let names = ranked_names(&ctx, &en.e).await;
            let bought: BTreeMap<String, crate::ensemble::Purchases> =
                en.e.bought()
                    .into_iter()
                    .map(|(id, p)| {
                        (
                            names.get(&id).cloned().unwrap_or_else(|| format!("#{id}")),
                            p,
                        )
                    })
                    .collect();
            let paid_out: Balance = bought.values().map(|p| p.paid).sum();
            let (revenue, _) = en.provider.ledger().await?;
            let pairs = en
                .clinic
                .answers
                .get(&en.provider.id)
                .cloned()
                .unwrap_or_default();
            ctx.log.say(format!(
                "  clinic rated global-brain {:?} over the run",
                en.ratings
            ));
            Some(EnsembleResult {
                name: en.provider.name.clone(),
                market: "medical".into(),
                price: en.provider.price,
                calls: (revenue / en.provider.price) as u64,
                measured: quality(&pairs),
                bought,
                margin: revenue as i128 - paid_out as i128,
            })
        }
    };
    for a in &agents {
        let _ = a.close().await;
    }
    let results = Results {
        seed: ctx.cfg.seed,
        rounds: ctx.cfg.rounds,
        unit: UNIT,
        markets,
        ensemble: ensemble_result,
        chain_cost: ctx.cost.clone(),
        books,
    };
    drop(all_providers);
    for m in markets_live {
        for s in m.services {
            s.provider.stop().await;
        }
    }
    if let Some(en) = ensemble {
        en.provider.stop().await;
    }
    Ok(results)
}
