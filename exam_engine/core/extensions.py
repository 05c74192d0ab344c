"""The Flask extensions, created once here and bound to an app in `create_app`.

Models derive from `Model`: Flask-SQLAlchemy's `db.Model` (the declarative `Base` with its
query helpers), named so that type checkers see the typed `Base` it is built from.
"""

from typing import TYPE_CHECKING

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from exam_engine.core.database import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()

if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
