"""Privilege escalation: the action combinations that let a principal gain permissions it was not given.

Sources (each path names its own):

* **RSL** — Spencer Gietzen, "AWS IAM Privilege Escalation – Methods and Mitigation", Rhino Security Labs
  (2018), the 21 original methods; also the basis of Checkov ``CKV_AWS_110``/``CKV_AWS_286`` (through
  cloudsplaining's ``PRIVILEGE_ESCALATION_METHODS``) and Prowler ``iam_policy_allows_privilege_escalation``.
* **BF** — Bishop Fox, "Privilege Escalation in AWS" (2019): the five families (permissions on users, on
  policies, on trust policies, ``iam:PassRole`` to a compute service, updating existing compute).
* **PF** — DataDog's pathfinding.cloud path library, as mirrored in cloudsplaining and Prowler's
  ``privilege_escalation.py`` (SageMaker, Glue job, CodeBuild, ECS, App Runner, Bedrock AgentCore paths).
* **AWS** — IAM User Guide, "Permissions boundaries for IAM entities": the delegation example denies
  ``iam:DeleteRolePermissionsBoundary``/``iam:PutRolePermissionsBoundary`` because changing a boundary lifts
  the ceiling it sets.
* **mlwarden** — the same mechanism applied to SageMaker APIs the lists above do not name: the passed role's
  credentials reach code or a session the caller controls (tuning jobs run training containers; models run
  inference containers; pipelines run steps; Studio domains and user profiles hand out their execution role
  through a presigned URL).

How a path is judged (:func:`escalation_paths`): every *pivot* action must be granted without constraint
(:func:`~mlwarden_rules.iam.analysis.unconstrained_grants` — ``iam:PassRole`` on ``*`` or on ``role/*``,
``iam:PutRolePolicy`` on every role…) and every *companion* action must be granted at all (creating a new
training job under a name prefix is still a way to run code as the passed role). Scoping the pivot to named
roles, or constraining it with :data:`PIVOT_SCOPING_KEYS` (``iam:PermissionsBoundary``, ``iam:PolicyARN``),
closes the path. A blanket ``Deny`` of an action removes it.

``sts:AssumeRole`` on ``*`` is judged by its own rule (``iam-policy-no-unscoped-assume-role``), not here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from mlwarden_rules.iam.actions import granting_patterns
from mlwarden_rules.iam.analysis import Grant, unconditionally_denied, unconstrained_grants
from mlwarden_rules.iam.document import Statement

PASS_ROLE: Final = "iam:PassRole"


@dataclass(frozen=True, slots=True)
class EscalationPath:
    """One known way to escalate: pivots granted without constraint, plus companions granted at all."""

    name: str
    pivots: tuple[str, ...]
    companions: tuple[str, ...]
    source: str

    @property
    def actions(self) -> tuple[str, ...]:
        """Every action the path needs."""
        return self.pivots + self.companions


def _single(name: str, action: str, source: str) -> EscalationPath:
    return EscalationPath(name, (action,), (), source)


def _pass(name: str, companions: tuple[str, ...], source: str) -> EscalationPath:
    return EscalationPath(name, (PASS_ROLE,), companions, source)


ESCALATION_PATHS: Final[tuple[EscalationPath, ...]] = (
    # Permissions on users (RSL 1-4, BF family 1).
    _single("create an access key for another user", "iam:CreateAccessKey", "RSL"),
    _single("set a console password for another user", "iam:CreateLoginProfile", "RSL"),
    _single("change another user's console password", "iam:UpdateLoginProfile", "RSL"),
    _single("add a user to a more privileged group", "iam:AddUserToGroup", "RSL"),
    # Permissions on policies (RSL, BF family 2).
    _single("write a new version of a managed policy", "iam:CreatePolicyVersion", "RSL"),
    _single("switch a managed policy to an older version", "iam:SetDefaultPolicyVersion", "RSL"),
    _single("attach a managed policy to a user", "iam:AttachUserPolicy", "RSL"),
    _single("attach a managed policy to a group", "iam:AttachGroupPolicy", "RSL"),
    _single("attach a managed policy to a role", "iam:AttachRolePolicy", "RSL"),
    _single("write an inline policy on a user", "iam:PutUserPolicy", "RSL"),
    _single("write an inline policy on a group", "iam:PutGroupPolicy", "RSL"),
    _single("write an inline policy on a role", "iam:PutRolePolicy", "RSL"),
    _single("remove a role's permissions boundary", "iam:DeleteRolePermissionsBoundary", "AWS"),
    _single("replace a role's permissions boundary", "iam:PutRolePermissionsBoundary", "AWS"),
    _single("remove a user's permissions boundary", "iam:DeleteUserPermissionsBoundary", "AWS"),
    _single("replace a user's permissions boundary", "iam:PutUserPermissionsBoundary", "AWS"),
    # Trust policies (RSL, BF family 3).
    _single("rewrite a role's trust policy to assume it", "iam:UpdateAssumeRolePolicy", "RSL"),
    # iam:PassRole to new compute (RSL, BF family 4, PF).
    _pass("pass a role to a new EC2 instance", ("ec2:RunInstances",), "RSL"),
    _pass("pass a role to a new EC2 Spot request", ("ec2:RequestSpotInstances",), "PF"),
    _pass(
        "pass a role to a new Lambda function and invoke it", ("lambda:CreateFunction", "lambda:InvokeFunction"), "RSL"
    ),
    _pass(
        "pass a role to a new Lambda function triggered by an event source",
        ("lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
        "RSL",
    ),
    _pass(
        "pass a role to a new Lambda function and let anyone invoke it",
        ("lambda:CreateFunction", "lambda:AddPermission"),
        "PF",
    ),
    _pass("pass a role to a new Glue development endpoint", ("glue:CreateDevEndpoint",), "RSL"),
    _pass("pass a role to a new Glue job and run it", ("glue:CreateJob", "glue:StartJobRun"), "PF"),
    _pass("pass a role to a new Glue job with a trigger", ("glue:CreateJob", "glue:CreateTrigger"), "PF"),
    _pass("pass a role to a new CloudFormation stack", ("cloudformation:CreateStack",), "RSL"),
    _pass(
        "pass a role to a new Data Pipeline",
        ("datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"),
        "RSL",
    ),
    _pass(
        "pass a role to a new CodeBuild project and build", ("codebuild:CreateProject", "codebuild:StartBuild"), "PF"
    ),
    _pass(
        "pass a role to a new ECS task definition and run it",
        ("ecs:RegisterTaskDefinition", "ecs:RunTask"),
        "PF",
    ),
    _pass(
        "pass a role to a new ECS task definition as a service",
        ("ecs:RegisterTaskDefinition", "ecs:CreateService"),
        "PF",
    ),
    _pass("pass a role to a new App Runner service", ("apprunner:CreateService",), "PF"),
    _pass(
        "pass a role to a new Bedrock AgentCore code interpreter",
        ("bedrock-agentcore:CreateCodeInterpreter", "bedrock-agentcore:InvokeCodeInterpreter"),
        "PF",
    ),
    _pass("pass a role to a new SageMaker notebook instance", ("sagemaker:CreateNotebookInstance",), "PF"),
    _pass("pass a role to a new SageMaker training job", ("sagemaker:CreateTrainingJob",), "PF"),
    _pass("pass a role to a new SageMaker processing job", ("sagemaker:CreateProcessingJob",), "PF"),
    _pass("pass a role to a new SageMaker tuning job", ("sagemaker:CreateHyperParameterTuningJob",), "mlwarden"),
    _pass(
        "pass a role to a new SageMaker model and serve it",
        ("sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:CreateEndpoint"),
        "mlwarden",
    ),
    _pass(
        "pass a role to a new SageMaker model and run a transform job",
        ("sagemaker:CreateModel", "sagemaker:CreateTransformJob"),
        "mlwarden",
    ),
    _pass(
        "pass a role to a new SageMaker pipeline and start it",
        ("sagemaker:CreatePipeline", "sagemaker:StartPipelineExecution"),
        "mlwarden",
    ),
    _pass(
        "pass a role to a new SageMaker Studio user profile and open it",
        ("sagemaker:CreateUserProfile", "sagemaker:CreatePresignedDomainUrl"),
        "mlwarden",
    ),
    # Taking over existing compute that already runs as a role (RSL, BF family 5, PF).
    _single("replace the code of any Lambda function", "lambda:UpdateFunctionCode", "RSL"),
    _single("change the layers or handler of any Lambda function", "lambda:UpdateFunctionConfiguration", "PF"),
    _single("add an SSH key to any Glue development endpoint", "glue:UpdateDevEndpoint", "RSL"),
    _single("open any SageMaker notebook instance", "sagemaker:CreatePresignedNotebookInstanceUrl", "PF"),
    _single("run commands on any managed instance", "ssm:SendCommand", "PF"),
    _single("open a shell on any managed instance", "ssm:StartSession", "PF"),
    _single("open a shell in any ECS task", "ecs:ExecuteCommand", "PF"),
    _single("update any CloudFormation stack with its service role", "cloudformation:UpdateStack", "PF"),
)

#: Condition keys that constrain a pivot beyond the general scoping conditions.
PIVOT_SCOPING_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    # Delegated administration: new policies only within a permissions boundary (AWS IAM User Guide).
    **dict.fromkeys(
        ("iam:PutRolePolicy", "iam:PutUserPolicy", "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary"),
        ("iam:PermissionsBoundary",),
    ),
    # Attach only named managed policies (iam:PolicyARN), within a boundary.
    **dict.fromkeys(
        ("iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy"),
        ("iam:PolicyARN", "iam:PermissionsBoundary"),
    ),
}


@dataclass(frozen=True, slots=True)
class FoundPath:
    """An escalation path a set of statements opens, with the grants that open it."""

    path: EscalationPath
    pivots: tuple[Grant, ...]
    companions: tuple[tuple[str, Statement], ...]

    def describe(self) -> str:
        """One line: the path, and where each of its actions is granted."""
        parts = [f"{g.describe()} ({g.statement.label})" for g in self.pivots]
        parts += [f"{action} ({statement.label})" for action, statement in self.companions]
        return f"{self.path.name}: {'; '.join(parts)}"


def _first_grant(statements: Iterable[Statement], action: str) -> Statement | None:
    return next((s for s in statements if granting_patterns(s, action)), None)


def escalation_paths(statements: Iterable[Statement]) -> list[FoundPath]:
    """The escalation paths that ``statements`` (the policies of one principal) open, in catalogue order."""
    stmts = list(statements)
    found = []
    for path in ESCALATION_PATHS:
        if any(unconditionally_denied(stmts, a) for a in path.actions):
            continue
        pivots = []
        for pivot in path.pivots:
            grants = [g for s in stmts for g in unconstrained_grants(s, (pivot,), PIVOT_SCOPING_KEYS)]
            if not grants:
                break
            pivots.append(grants[0])
        else:
            companions = []
            for companion in path.companions:
                statement = _first_grant(stmts, companion)
                if statement is None:
                    break
                companions.append((companion, statement))
            else:
                found.append(FoundPath(path, tuple(pivots), tuple(companions)))
    return found
