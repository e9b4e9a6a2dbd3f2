//! What a simulated market looks like: sizes, time mapping, client behaviour, the
//! choice policy, the reputation parameters and the attacks.
//!
//! **Time mapping.** Honest client calls are the clock: call `t` happens at
//! `t · DAY_MS / calls_per_day` ms, so with the default 500 calls per simulated day the
//! 20 000-call horizon is 40 days (epochs), the slow half-life (30 epochs) and the fast
//! one (3 epochs) both matter, and the per-epoch caps bind per day. Attackers' own
//! transactions are extra and do not advance the clock.

use gb_scoring::Params;

/// One day (one reputation epoch) in milliseconds.
pub const DAY_MS: u64 = gb_scoring::EPOCH_MS;

/// How honest clients choose a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Policy {
    /// The formula under test: ε-greedy over the value order `LCB²·U/price`
    /// (`gb_scoring::value`), ties by price then id as the registry sorts.
    Formula,
    /// The formula ranked by LCB alone (the registry's current order: score desc,
    /// price asc, id asc), ε-greedy.
    FormulaLcb,
    /// Baseline: ε-greedy on the plain mean of all star ratings (no payment weight,
    /// no prior, no fulfillment, no decay; unrated services count as 3 stars).
    MeanRating,
    /// Baseline: always the cheapest service.
    Cheapest,
    /// Baseline: uniform random choice.
    Random,
    /// Baseline: knows every service's true quality and picks the best utility.
    Oracle,
}

impl Policy {
    /// Every policy, formula first.
    pub const ALL: [Policy; 6] = [
        Policy::Formula,
        Policy::FormulaLcb,
        Policy::MeanRating,
        Policy::Cheapest,
        Policy::Random,
        Policy::Oracle,
    ];

    /// Short name used in tables, CSV and plots.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Formula => "formula",
            Policy::FormulaLcb => "formula-lcb",
            Policy::MeanRating => "mean-rating",
            Policy::Cheapest => "cheapest",
            Policy::Random => "random",
            Policy::Oracle => "oracle",
        }
    }

    /// Parses a name from [`Policy::name`].
    pub fn parse(s: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name() == s)
    }

    /// Whether honest clients explore (ε-greedy) under this policy.
    pub fn explores(self) -> bool {
        matches!(
            self,
            Policy::Formula | Policy::FormulaLcb | Policy::MeanRating
        )
    }
}

/// An adversary: one attacker (group) with its services and client accounts.
#[derive(Clone, Debug, PartialEq)]
pub enum Attack {
    /// A bad provider of quality `q` with `sybils` client accounts. With `budget`
    /// (share of honest market volume) its sybils pay the `targets` best-ranked rivals
    /// for a call and rate it 1 star (bad-mouthing; that spend also makes the sybils
    /// "mature"), and pay the attacker's own service and rate it 5 stars (boosting),
    /// half the budget each.
    Sybil {
        q: f64,
        sybils: usize,
        budget: f64,
        targets: usize,
    },
    /// Failure griefing: `sybils` accounts each open, every epoch, one channel locking
    /// `failure_cap` for `lock_ms` with each of the `targets` best-ranked services,
    /// never call, and take the funds back at expiry, so each expiry reports a
    /// failure (security review M2). Their own service (quality `q`) gains from the
    /// rivals' fall. `lock_ms` = 1 is the review's free attack (refund in the next
    /// block); the contract weighs a failure by `min(1, lock / failure_lock_ref)`, so
    /// the griefers' capital cost is `sybils · targets · failure_cap` locked for
    /// `lock_ms` a day.
    Grief {
        q: f64,
        sybils: usize,
        targets: usize,
        lock_ms: u64,
    },
    /// A provider of quality `q` that pays itself through `accounts` client accounts
    /// (fee included) for `budget` of the honest market volume and rates each of those
    /// channels 5 stars. If `mature`, each account first buys calls from the cheapest
    /// competitor until it is fully mature (`spend_ref`), paying the full price.
    SelfDeal {
        q: f64,
        accounts: usize,
        budget: f64,
        mature: bool,
    },
    /// A provider of quality `q` that re-registers under a fresh service id (free: the
    /// registry has no bond) at the end of every day its LCB is below a fresh
    /// identity's.
    Whitewash { q: f64 },
    /// A provider of quality `q` whose gateway closes every channel it did not serve
    /// before the channel expires: escrow reports a failure only for a channel that
    /// *ends expired* with nothing claimed, so its failures are never recorded.
    Dodge { q: f64 },
    /// Honest with quality `q_before` until call `switch_frac · calls`, then `q_after`.
    Milker {
        q_before: f64,
        q_after: f64,
        switch_frac: f64,
    },
    /// `size` providers of quality `q` whose accounts pay each other round-robin for
    /// `budget` of the honest market volume and rate each channel 5 stars; spend
    /// inside the ring counts as spend "with other payees", so the raters are mature.
    Ring { size: usize, q: f64, budget: f64 },
}

impl Attack {
    /// Short name for tables.
    pub fn name(&self) -> &'static str {
        match self {
            Attack::Sybil { .. } => "sybil",
            Attack::Grief { .. } => "grief",
            Attack::SelfDeal { .. } => "self-deal",
            Attack::Whitewash { .. } => "whitewash",
            Attack::Dodge { .. } => "dodge",
            Attack::Milker { .. } => "milker",
            Attack::Ring { .. } => "ring",
        }
    }
}

/// Rule variants the simulation can evaluate. The default is exactly the contract's
/// rules: `rating_once_per_epoch` on (in the contract since 2026-11-25; off = the `v0`
/// preset, the contract before), the two others off (not in the contract). They are
/// the evidence behind the proposals in `README.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposals {
    /// Superseded, no effect since security review M2: the contract (and so the
    /// shared rule the simulation calls) weighs every failure by its client's maturity
    /// (with the floor) and caps immature clients' failures per service and day.
    /// Kept so old command lines still parse.
    pub failure_maturity: bool,
    /// At most one accepted rating per (client, payee, epoch): a sock account adds at
    /// most one rating's mass a day. **In the contract** (`AlreadyRatedPayeeThisEpoch`,
    /// since 2026-11-25): on by default; off reproduces the `v0` contract.
    pub rating_once_per_epoch: bool,
    /// Success mass of each channel is multiplied by its client's maturity. Needs
    /// escrow to report the client per settled channel (an interface change).
    pub settle_maturity: bool,
}

impl Default for Proposals {
    /// The contract's rules.
    fn default() -> Self {
        Proposals {
            failure_maturity: false,
            rating_once_per_epoch: true,
            settle_maturity: false,
        }
    }
}

/// Everything one simulated run needs besides its seed.
#[derive(Clone, Debug)]
pub struct Config {
    /// Scenario name (tables, files).
    pub name: String,
    /// Honest providers N (attackers' services come on top).
    pub providers: usize,
    /// Honest clients M.
    pub clients: usize,
    /// Honest calls T (the horizon).
    pub calls: usize,
    /// Honest calls per simulated day (the time mapping).
    pub calls_per_day: u64,
    /// Exploration probability ε of the ε-greedy policies.
    pub epsilon: f64,
    /// If true, an exploring client picks uniformly among services with less than
    /// `newcomer_n` units of evidence (when there are any) instead of among all.
    pub explore_newcomers: bool,
    /// Evidence (`Score::n`, in reference calls) below which a service is a newcomer.
    pub newcomer_n: u128,
    /// Probability that an honest client rates a paid channel.
    pub rate_prob: f64,
    /// Standard deviation of the star noise (on the 0..1 scale).
    pub star_noise: f64,
    /// Protocol fee on claims, basis points (escrow's `fee_bps`).
    pub fee_bps: u32,
    /// Calls' worth of one voucher an attacker signs when paying its own service (1:
    /// one call per channel, as honest clients). Escrow does not relate a voucher to
    /// the price, so a self-dealer can claim 50 calls' worth from one channel and rate
    /// it once (security review H1); the simulation capped every channel at one price
    /// before and never modelled that.
    pub self_voucher_calls: u32,
    /// What a perfect call is worth to a client, in reference prices U: the utility of
    /// a call to a service of quality q and price p is `worth·q − p/U`.
    pub worth: f64,
    /// Providers' gateways batch-claim every this many ms (one settlement report per
    /// service per batch, as escrow aggregates them).
    pub claim_every_ms: u64,
    /// A client's rating arrives this long after the claim (must be within
    /// `params.rating_window_ms`).
    pub rate_delay_ms: u64,
    /// Channel expiry after opening; an unpaid (failed) channel is refunded then and
    /// escrow reports the failure.
    pub expiry_ms: u64,
    /// The reputation parameters (the shared `gb-scoring` code uses them verbatim).
    pub params: Params,
    /// How honest clients choose.
    pub policy: Policy,
    /// The adversaries.
    pub attacks: Vec<Attack>,
    /// Rule variants under evaluation (default: the contract's rules).
    pub proposals: Proposals,
    /// If false the attackers behave as honest providers of the same quality (the
    /// control run for ROI): their services exist, their accounts stay idle.
    pub attacks_on: bool,
    /// A good newcomer (quality 0.9, price U) registers at this call, if set.
    pub newcomer_at: Option<usize>,
    /// Metrics are sampled every this many honest calls.
    pub sample_every: usize,
}

impl Config {
    /// The research protocol's market (N=20, M=200, T=20 000, ε=0.1, rating
    /// probability 0.5) with the default parameters and no attacker.
    pub fn base(name: &str) -> Self {
        Config {
            name: name.to_string(),
            providers: 20,
            clients: 200,
            calls: 20_000,
            calls_per_day: 500,
            epsilon: 0.1,
            explore_newcomers: false,
            newcomer_n: 10,
            rate_prob: 0.5,
            star_noise: 0.15,
            fee_bps: 200,
            self_voucher_calls: 1,
            worth: 3.0,
            claim_every_ms: 3_600_000,
            rate_delay_ms: 3_600_000,
            expiry_ms: 6 * 3_600_000,
            params: Params::default(),
            policy: Policy::Formula,
            attacks: Vec::new(),
            proposals: Proposals::default(),
            attacks_on: true,
            newcomer_at: None,
            sample_every: 250,
        }
    }

    /// Milliseconds per honest call.
    pub fn ms_per_call(&self) -> u64 {
        DAY_MS / self.calls_per_day.max(1)
    }

    /// Checks the things the engine relies on.
    pub fn validate(&self) -> Result<(), String> {
        self.params
            .validate()
            .map_err(|e| format!("params: {e:?}"))?;
        if self.providers < 2 || self.clients == 0 || self.calls == 0 {
            return Err("need ≥ 2 providers, ≥ 1 client, ≥ 1 call".into());
        }
        if self.sample_every == 0 || self.calls_per_day == 0 {
            return Err("sample_every and calls_per_day must be > 0".into());
        }
        if self.claim_every_ms + self.rate_delay_ms >= self.params.rating_window_ms {
            return Err("ratings would arrive after the rating window".into());
        }
        if self.fee_bps > 10_000 {
            return Err("fee_bps above 100 %".into());
        }
        Ok(())
    }
}
