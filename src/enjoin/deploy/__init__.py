"""Deploy: the templates of a config into a backend, then verified as written (see :mod:`enjoin.deploy.stack`)."""

from enjoin.deploy.stack import DeployedStack, Deployment, deploy

__all__ = ["DeployedStack", "Deployment", "deploy"]
