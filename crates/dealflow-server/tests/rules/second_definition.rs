//! The engine knows no stage or step by name: a definition written only here, on stages the
//! shipped lookup does not have, runs with no code change.

use dealflow_core::engine::{InstanceStatus, StartedVia};
use dealflow_core::{LocalizedText, ProcessDefinition, Stage, StageCode};

use crate::on_both_backends;
use crate::support::TestApp;

const SMALL_DEAL: &str = r#"
code = "small-deal"
name = { ru = "Небольшая сделка", en = "Small deal" }

[[stages]]
stage = "discovery"
next = "quote"
guidance = { tasks = { ru = "Позвонить", en = "Call" }, goal = { ru = "Понять задачу", en = "Understand the need" }, system = { ru = "Звонок", en = "A call" }, next = { ru = "Счёт", en = "Quote" } }
  [[stages.steps]]
  code = "intro_call"
  type = "call"
  title = { ru = "Вводный звонок", en = "Intro call" }
  due = "PT4H"
  results = [
    { code = "done", name = { ru = "Готово", en = "Done" }, effect = "advance" },
    { code = "no_budget", name = { ru = "Нет бюджета", en = "No budget" }, effect = "close", stage = "closed_lost" },
  ]

[[stages]]
stage = "quote"
next = "handshake"
guidance = { tasks = { ru = "Выставить счёт", en = "Send a quote" }, goal = { ru = "Цена согласована", en = "Price agreed" }, system = { ru = "Задача", en = "A task" }, next = { ru = "Рукопожатие", en = "Handshake" } }
  [[stages.steps]]
  code = "send_quote"
  type = "email"
  title = { ru = "Отправить счёт", en = "Send the quote" }
  due = "P1D"
  results = [{ code = "done", name = { ru = "Готово", en = "Done" }, effect = "advance" }]

[[stages]]
stage = "handshake"
next = "closed_won"
guidance = { tasks = { ru = "Встретиться", en = "Meet" }, goal = { ru = "Оплата", en = "Payment" }, system = { ru = "Встреча", en = "A meeting" }, next = { ru = "Победа", en = "Won" } }
  [[stages.steps]]
  code = "meet"
  type = "meeting"
  title = { ru = "Встреча", en = "Meeting" }
  due = "P2D"
  results = [{ code = "paid", name = { ru = "Оплачено", en = "Paid" }, effect = "advance" }]
  [[stages.steps]]
  code = "thank"
  type = "task"
  title = { ru = "Поблагодарить", en = "Say thanks" }
  due = "P3D"
  results = [{ code = "done", name = { ru = "Готово", en = "Done" }, effect = "advance" }]
"#;

async fn add_small_deal_stages(app: &TestApp) {
    let mut tx = app.store.begin_write().await.unwrap();
    for (i, code) in ["discovery", "quote", "handshake"].into_iter().enumerate() {
        let stage = Stage {
            code: StageCode::parse(code).unwrap(),
            name: LocalizedText::same(code),
            position: 10 + i as i32,
            description: LocalizedText::default(),
            max_probability: 50,
            is_final: false,
            is_won: false,
            show_in_funnel: true,
            show_in_progress_bar: true,
            active: true,
            next_step_days: 7,
        };
        tx.stages().insert(&stage).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn a_second_definition_with_other_stages_runs_on_the_same_engine(app: TestApp) {
    add_small_deal_stages(&app).await;
    let definition = ProcessDefinition::parse_toml(SMALL_DEAL, &app.stages().await).expect("the small deal is valid");
    assert_eq!(app.publish(&definition).await, 1);
    let started = app.services.start_process(app.actor(&app.manager.id), "small-deal", None, StartedVia::SidePanel).await.unwrap();
    let id = &started.opportunity.id;
    assert_eq!(started.opportunity.stage.as_str(), "discovery");
    assert_eq!(app.open_steps(id).await, ["intro_call"]);
    app.complete_open(id).await;
    assert_eq!(app.opportunity(id).await.stage.as_str(), "quote");
    app.complete_open(id).await;
    assert_eq!(app.opportunity(id).await.stage.as_str(), "handshake");
    let open = app.open_process_activities(id).await;
    assert_eq!(open.len(), 2);
    // This step's advancing result is called "paid", not "done".
    let meet = open.iter().find(|a| a.step.as_deref() == Some("meet")).unwrap();
    let thank = open.iter().find(|a| a.step.as_deref() == Some("thank")).unwrap();
    app.services.complete_activity(app.actor(&app.manager.id), &meet.id, Some("paid"), None).await.unwrap();
    app.services.complete_activity(app.actor(&app.manager.id), &thank.id, None, None).await.unwrap();
    let opportunity = app.opportunity(id).await;
    assert_eq!(opportunity.stage.as_str(), "closed_won");
    assert_eq!(app.instances(id).await[0].status, InstanceStatus::Completed);

    // Its close result works the same way.
    let second = app.services.start_process(app.actor(&app.manager.id), "small-deal", None, StartedVia::Api).await.unwrap();
    let call = &app.open_process_activities(&second.opportunity.id).await[0];
    app.services.complete_activity(app.actor(&app.manager.id), &call.id, Some("no_budget"), None).await.unwrap();
    assert_eq!(app.opportunity(&second.opportunity.id).await.stage.as_str(), "closed_lost");
}

async fn a_running_instance_keeps_its_definition_version(app: TestApp) {
    let before = app.start_new(&app.manager).await;
    let mut changed = dealflow_server::services::shipped_definition(&app.stages().await).unwrap();
    let presentation = changed.stages.iter_mut().find(|s| s.stage == *"presentation").unwrap();
    let mut extra = presentation.steps[0].clone();
    extra.code = "send_follow_up".into();
    extra.title = LocalizedText::new("Отправить письмо после встречи", "Send a follow-up email");
    presentation.steps.push(extra);
    assert_eq!(app.publish(&changed).await, 2);
    let after = app.start_new(&app.manager).await;
    assert_eq!(after.instance.process_version, 2);
    app.complete_open(&before.opportunity.id).await;
    app.complete_open(&after.opportunity.id).await;
    assert_eq!(app.open_steps(&before.opportunity.id).await, ["presentation"], "version 1 keeps its steps");
    assert_eq!(app.open_steps(&after.opportunity.id).await, ["presentation", "send_follow_up"]);
}

on_both_backends!(a_second_definition_with_other_stages_runs_on_the_same_engine, a_running_instance_keeps_its_definition_version);
