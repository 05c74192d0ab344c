"""One place that imports every package's models, so metadata is complete.

Alembic and `create_app` call `import_all_models()`; each package owns its models.
"""


def import_all_models() -> None:
    import exam_engine.auth.models  # noqa: F401
    import item_bank.items.models  # noqa: F401
    import item_bank.items.calibration_models  # noqa: F401
    import item_bank.taxonomy_models  # noqa: F401
    import invigilation.models  # noqa: F401
    import invigilation.session_models  # noqa: F401
    import invigilation.event_log  # noqa: F401
    import invigilation.setup_log  # noqa: F401
    import exam_engine.delivery.models  # noqa: F401
    import exam_engine.operations.models  # noqa: F401
