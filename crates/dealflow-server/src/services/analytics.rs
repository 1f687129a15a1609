//! Won/lost analytics over the opportunities the actor may see (an administrator may narrow them
//! to one supervisor's team): the figures of `GET /analytics/summary` and the analytics page.

use std::sync::Arc;

use dealflow_core::StageCatalog;
use dealflow_core::analytics::{self, Summary};
use dealflow_core::check::Invalid;
use dealflow_core::comparison::{self, MonthFigures, OwnerFigures};
use dealflow_core::records::{LostReason, Role, UserRecord};
use jiff::Timestamp;
use jiff::civil::Date;

use super::Services;
use super::search::HALVED_TEAM;
use crate::access::Actor;
use crate::error::{Result, ServiceError};

/// Which deals: closed or created within `[from, to)`, of one owner, of one supervisor's team.
#[derive(Debug, Clone, Default)]
pub struct AnalyticsQuery {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// One owner: of the actor's scope, or the figures are empty.
    pub owner_id: Option<String>,
    /// A supervisor whose team an administrator looks at (ignored for anyone else).
    pub team: Option<String>,
}

/// The summary with what it takes to name its figures.
pub struct Analysis {
    pub summary: Summary,
    pub stages: Arc<StageCatalog>,
    pub lost_reasons: Vec<LostReason>,
    pub currency: String,
}

impl Services {
    pub async fn analytics(&self, actor: &Actor, query: &AnalyticsQuery) -> Result<Summary> {
        let stages = self.stage_catalog().await?;
        self.summary(actor, query, &stages).await
    }

    /// The summary with the stage lookup, the lost reasons and the currency.
    pub async fn analysis(&self, actor: &Actor, query: &AnalyticsQuery) -> Result<Analysis> {
        let stages = self.stage_catalog().await?;
        let summary = self.summary(actor, query, &stages).await?;
        let lost_reasons = self.lost_reasons().await?;
        let currency = self.currency().await?;
        Ok(Analysis { summary, stages, lost_reasons, currency })
    }

    /// [`Services::analysis`] and [`Services::team_figures`] of one query, read at once: the team's
    /// figures on a thread beside the summary's.
    pub async fn analysis_with_team(
        &self,
        actor: &Actor,
        query: &AnalyticsQuery,
        people: &[UserRecord],
        last_month: Date,
    ) -> Result<(Analysis, TeamFigures)> {
        let team = {
            let (services, actor, query, people) = (self.clone(), actor.clone(), query.clone(), people.to_vec());
            async move { services.team_figures(&actor, &query, &people, last_month).await }
        };
        super::alongside(self.analysis(actor, query), team).await
    }

    /// The supervisors whose teams an administrator may pick; nobody for anyone else.
    pub async fn analytics_teams(&self, actor: &Actor) -> Result<Vec<UserRecord>> {
        if !actor.is_admin() {
            return Ok(Vec::new());
        }
        let all = self.store.read().await?.users().list().await?;
        Ok(all.into_iter().filter(|u| u.role == Role::Supervisor && u.active).collect())
    }

    /// The people whose figures the actor may pick (within `team`, when an administrator
    /// names one), by name.
    pub async fn analytics_owners(&self, actor: &Actor, team: Option<&str>) -> Result<Vec<UserRecord>> {
        let scope = self.analytics_scope(actor, team).await?;
        self.assignable_people(&scope).await
    }

    /// The actor's scope, narrowed to a supervisor's team when an administrator names one.
    pub(super) async fn analytics_scope(&self, actor: &Actor, team: Option<&str>) -> Result<Actor> {
        let Some(supervisor) = team.filter(|_| actor.is_admin()) else { return Ok(actor.clone()) };
        let mut conn = self.store.read().await?;
        let leader = conn.users().get(supervisor).await.ok().filter(|u| u.role == Role::Supervisor && u.active);
        let Some(leader) = leader else { return Err(ServiceError::invalid("team", Invalid::UnknownReference)) };
        let team = conn.users().team_of(&leader.id).await?;
        Ok(actor.narrowed_to(team.into_iter().chain([leader.id]).collect()))
    }

    async fn summary(&self, actor: &Actor, query: &AnalyticsQuery, stages: &StageCatalog) -> Result<Summary> {
        if let (Some(from), Some(to)) = (query.from, query.to)
            && to <= from
        {
            return Err(ServiceError::invalid("to", Invalid::EndBeforeStart));
        }
        let scope = self.analytics_scope(actor, query.team.as_deref()).await?;
        let mut conn = self.store.read().await?;
        let window = (query.from.map(|t| t.as_millisecond()), query.to.map(|t| t.as_millisecond()));
        let now = self.clock.now().as_millisecond();
        let owner = query.owner_id.as_deref();
        // A team's totals add up every deal it has (50,000 for a supervisor on a million, 80 ms
        // on SQLite): its halves are added up at once on two connections when a second one is
        // idle, as two cores can. The second half reads on a thread beside this one.
        let second = match scope.owners() {
            Some(team) if team.len() >= HALVED_TEAM && owner.is_none() => self.store.try_read().map(|c| (team.split_at(team.len() / 2), c)),
            _ => None,
        };
        let totals = match second {
            Some(((first_half, second_half), mut other)) => {
                let second_half = second_half.to_vec();
                let second = async move { other.opportunities().analytics_totals(Some(&second_half), None, window, now).await };
                let (first, second) =
                    super::alongside(conn.opportunities().analytics_totals(Some(first_half), None, window, now), second).await?;
                first.merged(second)
            }
            None => conn.opportunities().analytics_totals(scope.owners(), owner, window, now).await?,
        };
        Ok(analytics::summary(stages, &totals))
    }
}

/// How many months the trend shows.
pub const TREND_MONTHS: u8 = 12;

/// The team side by side, and its deals closed month by month.
pub struct TeamFigures {
    /// Everyone in the actor's scope (or the administrator's chosen team), most won revenue first.
    pub people: Vec<(UserRecord, OwnerFigures)>,
    /// The [`TREND_MONTHS`] months ending with the one asked for, of the owner asked for or all.
    pub months: Vec<MonthFigures>,
}

impl Services {
    /// Each of `people` (the query's [`Services::analytics_owners`]) with their figures for the
    /// query's period, and the trend up to `last_month`.
    pub async fn team_figures(
        &self,
        actor: &Actor,
        query: &AnalyticsQuery,
        people: &[UserRecord],
        last_month: Date,
    ) -> Result<TeamFigures> {
        let scope = self.analytics_scope(actor, query.team.as_deref()).await?;
        let starts = comparison::month_starts(last_month, TREND_MONTHS);
        let bounds: Vec<i64> = comparison::month_bounds(&starts, actor.zone()).iter().map(|t| t.as_millisecond()).collect();
        let window = (query.from.map(|t| t.as_millisecond()), query.to.map(|t| t.as_millisecond()));
        let mut conn = self.store.read().await?;
        let figures = conn.opportunities().figures_by_owner(scope.owners(), window).await?;
        let months = conn.opportunities().closed_by_month(scope.owners(), query.owner_id.as_deref(), &starts, &bounds).await?;
        let mut people: Vec<(UserRecord, OwnerFigures)> = people
            .iter()
            .cloned()
            .map(|user| {
                let found = figures.iter().find(|f| f.owner_id == user.id).cloned();
                let figures = found.unwrap_or_else(|| OwnerFigures { owner_id: user.id.clone(), ..OwnerFigures::default() });
                (user, figures)
            })
            .collect();
        people.sort_by(|(a, x), (b, y)| y.won_revenue.cmp(&x.won_revenue).then_with(|| a.name.cmp(&b.name)));
        Ok(TeamFigures { people, months })
    }
}
