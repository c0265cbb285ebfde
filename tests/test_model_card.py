"""The /model page: the card training wrote and the loaded pipeline, for people."""


def test_model_card_page_reads_the_card_and_the_pipeline(client, model):
    response = client.get("/model")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    card = model.card
    assert card["sha256"] in html and card["trained_at"] in html
    assert f"${card['metrics']['cv']['MAE']:,.2f}" in html
    assert f"${card['metrics']['holdout']['MAE']:,.2f}" in html
    for name, _ in model.pipeline.steps:
        assert f"<code>{name}</code>" in html
    assert "a whole number from 18 to 64" in html
    assert card["versions"]["pycaret"] in html
    assert "a numpy path derived from the pipeline" in html  # the deployed model has one
    assert 'href="/model"' in client.get("/").get_data(as_text=True)


def test_model_card_states_the_ranges_method_groups_and_holdout_figures(client, model):
    html = client.get("/model").get_data(as_text=True)
    spec = model.card["interval"]
    section = html[html.index('id="interval"'):html.index("The data it learned from")]
    assert spec["method"].replace("'", "&#39;") in section
    for group in spec["groups"]:
        assert f"<th scope=\"row\">{group['name']}</th>" in section
        assert f"± ${group['half_width']:,.0f}" in section
        assert f"{100 * group['holdout']['coverage']:.1f}%" in section
        assert f"${group['holdout']['mean_width']:,.0f}" in section
    assert f"{100 * spec['holdout']['coverage']:.1f}%" in section
    assert f"${spec['holdout']['mean_width']:,.0f}" in section


def test_a_group_with_no_holdout_rows_is_said_so_not_a_crash(model):
    import copy
    import dataclasses

    from app import create_app
    card = copy.deepcopy(model.card)
    card["interval"]["groups"][1]["holdout"] = {"n": 0, "coverage": None, "mean_width": None,
                                                "above": None}
    app = create_app({"TESTING": True, "MODEL": dataclasses.replace(model, card=card)})
    response = app.test_client().get("/model")
    assert response.status_code == 200
    assert '<th scope="row">smokers</th><td class="num">none held out</td>' in \
        response.get_data(as_text=True)
