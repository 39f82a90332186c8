"""Cases for the SageMaker training-job and model-monitoring-job rules."""

from testkit.cases import UNKNOWN, Case, res

TRAINING = "aws:sagemaker/trainingJob:TrainingJob"
DATA_QUALITY = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"
SCHEDULE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VPC = {"subnets": ["subnet-0abc"], "securityGroupIds": ["sg-0abc"]}


def job(instance_type: object = "ml.m5.xlarge", *, volume_key: object = KEY, **overrides: object) -> dict[str, object]:
    """A training job that passes every rule; keyword arguments replace top-level properties (None removes)."""
    resources = {"instanceType": instance_type, "instanceCount": 2, "volumeSizeInGb": 50, "volumeKmsKeyId": volume_key}
    props = {
        "trainingJobName": "train",
        "roleArn": "arn:aws:iam::111122223333:role/train",
        "algorithmSpecification": {"trainingImage": "img", "trainingInputMode": "File"},
        "resourceConfig": {k: v for k, v in resources.items() if v is not None},
        "outputDataConfig": {"s3OutputPath": "s3://models/out", "kmsKeyId": KEY},
        "enableNetworkIsolation": True,
        "enableInterContainerTrafficEncryption": True,
        "vpcConfig": VPC,
        **overrides,
    }
    return {k: v for k, v in props.items() if v is not None}


def dq(instance_type: str = "ml.m5.xlarge", *, volume_key: object = KEY, **overrides: object) -> dict[str, object]:
    """A data-quality job definition that passes every rule."""
    cluster = {"instanceCount": 1, "instanceType": instance_type, "volumeSizeInGb": 20, "volumeKmsKeyId": volume_key}
    props = {
        "roleArn": "arn:aws:iam::111122223333:role/monitor",
        "dataQualityAppSpecification": {"imageUri": "img"},
        "dataQualityJobInput": {"endpointInput": {"endpointName": "ep"}},
        "dataQualityJobOutputConfig": {"monitoringOutputs": {"s3Output": {"s3Uri": "s3://mon/out"}}, "kmsKeyId": KEY},
        "jobResources": {"clusterConfig": {k: v for k, v in cluster.items() if v is not None}},
        "networkConfig": {"enableInterContainerTrafficEncryption": True, "enableNetworkIsolation": True},
        **overrides,
    }
    return {k: v for k, v in props.items() if v is not None}


def inline_schedule(**definition: object) -> dict[str, object]:
    """A monitoring schedule carrying its job definition inline."""
    base = {
        "monitoringOutputConfig": {"monitoringOutputs": {"s3Output": {"s3Uri": "s3://mon", "localPath": "/o"}}},
        "monitoringResources": {
            "clusterConfig": {"instanceCount": 1, "instanceType": "ml.m5.large", "volumeSizeInGb": 20}
        },
        "roleArn": "arn:aws:iam::111122223333:role/monitor",
        **definition,
    }
    return {"monitoringScheduleConfig": {"monitoringType": "DataQuality", "monitoringJobDefinition": base}}


CASES = [
    # --- training: isolation and in-transit encryption
    Case(
        "sagemaker-training-network-isolation",
        "fail",
        [res(TRAINING, "t", job(enableNetworkIsolation=None))],
        "default",
    ),
    Case("sagemaker-training-network-isolation", "pass", [res(TRAINING, "t", job())], "isolated"),
    Case(
        "sagemaker-training-network-isolation",
        "unverifiable",
        [res(TRAINING, "t", job(enableNetworkIsolation=UNKNOWN))],
        "unknown",
    ),
    Case(
        "sagemaker-training-inter-container-encryption",
        "fail",
        [res(TRAINING, "t", job(enableInterContainerTrafficEncryption=False))],
        "off",
    ),
    Case("sagemaker-training-inter-container-encryption", "pass", [res(TRAINING, "t", job())], "on"),
    Case(
        "sagemaker-training-inter-container-encryption",
        "unverifiable",
        [res(TRAINING, "t", job(enableInterContainerTrafficEncryption=UNKNOWN))],
        "unknown",
    ),
    # --- training: keys
    Case(
        "sagemaker-training-kms-encrypted",
        "fail",
        [res(TRAINING, "t", job(outputDataConfig={"s3OutputPath": "s3://models/out"}))],
        "output-without-key",
    ),
    Case(
        "sagemaker-training-kms-encrypted", "fail", [res(TRAINING, "t", job(volume_key=None))], "ebs-volume-without-key"
    ),
    Case(
        "sagemaker-training-kms-encrypted",
        "fail",
        [res(TRAINING, "t", job("ml.p4d.24xlarge"))],
        "volume-key-with-nvme-instance",
    ),
    Case(
        "sagemaker-training-kms-encrypted",
        "fail",
        [
            res(
                TRAINING,
                "t",
                job(
                    resourceConfig={
                        "instanceGroups": [
                            {"instanceGroupName": "gpu", "instanceType": "ml.g5.12xlarge", "instanceCount": 2},
                            {"instanceGroupName": "cpu", "instanceType": "ml.c5.4xlarge", "instanceCount": 1},
                        ]
                    }
                ),
            )
        ],
        "heterogeneous-cluster-without-key",
    ),
    Case("sagemaker-training-kms-encrypted", "pass", [res(TRAINING, "t", job())], "ebs-with-keys"),
    Case(
        "sagemaker-training-kms-encrypted",
        "pass",
        [res(TRAINING, "t", job("ml.p5.48xlarge", volume_key=None))],
        "nvme-without-volume-key",
    ),
    Case(
        "sagemaker-training-kms-encrypted",
        "pass",
        [
            res(
                TRAINING,
                "t",
                job(volume_key=UNKNOWN, outputDataConfig={"s3OutputPath": "s3://models/out", "kmsKeyId": UNKNOWN}),
            )
        ],
        "keys-from-outputs",
    ),
    Case(
        "sagemaker-training-kms-encrypted",
        "unverifiable",
        [res(TRAINING, "t", job(UNKNOWN, volume_key=None))],
        "instance-type-unknown",
    ),
    # --- training: VPC
    Case("sagemaker-training-in-vpc", "fail", [res(TRAINING, "t", job(vpcConfig=None))], "no-vpc"),
    Case(
        "sagemaker-training-in-vpc",
        "fail",
        [res(TRAINING, "t", job(vpcConfig={"subnets": [], "securityGroupIds": ["sg-0abc"]}))],
        "no-subnet",
    ),
    Case("sagemaker-training-in-vpc", "pass", [res(TRAINING, "t", job())], "vpc"),
    Case("sagemaker-training-in-vpc", "unverifiable", [res(TRAINING, "t", job(vpcConfig=UNKNOWN))], "unknown"),
    # --- monitoring jobs: keys
    Case(
        "sagemaker-monitoring-job-kms-encrypted",
        "fail",
        [
            res(
                DATA_QUALITY,
                "dq",
                dq(dataQualityJobOutputConfig={"monitoringOutputs": {"s3Output": {"s3Uri": "s3://m"}}}),
            )
        ],
        "output-without-key",
    ),
    Case("sagemaker-monitoring-job-kms-encrypted", "fail", [res(DATA_QUALITY, "dq", dq(volume_key=None))], "volume"),
    Case(
        "sagemaker-monitoring-job-kms-encrypted",
        "fail",
        [res(SCHEDULE, "mon", inline_schedule())],
        "inline-definition-without-keys",
    ),
    Case("sagemaker-monitoring-job-kms-encrypted", "pass", [res(DATA_QUALITY, "dq", dq())], "keys"),
    Case(
        "sagemaker-monitoring-job-kms-encrypted",
        "pass",
        [res(DATA_QUALITY, "dq", dq("ml.m5d.xlarge", volume_key=None))],
        "nvme-without-volume-key",
    ),
    Case(
        "sagemaker-monitoring-job-kms-encrypted",
        "not-applicable",
        [
            res(
                SCHEDULE,
                "mon",
                {"monitoringScheduleConfig": {"monitoringType": "DataQuality", "monitoringJobDefinitionName": "dq"}},
            )
        ],
        "schedule-names-definition",
    ),
    Case(
        "sagemaker-monitoring-job-kms-encrypted",
        "unverifiable",
        [res(DATA_QUALITY, "dq", dq(jobResources=UNKNOWN))],
        "resources-unknown",
    ),
    # --- monitoring jobs: in-transit encryption and isolation (advisory)
    Case(
        "sagemaker-monitoring-job-inter-container-encryption",
        "fail",
        [res(DATA_QUALITY, "dq", dq(networkConfig=None))],
        "no-network-config",
    ),
    Case(
        "sagemaker-monitoring-job-inter-container-encryption",
        "fail",
        [res(SCHEDULE, "mon", inline_schedule(networkConfig={"enableInterContainerTrafficEncryption": False}))],
        "inline-off",
    ),
    Case("sagemaker-monitoring-job-inter-container-encryption", "pass", [res(DATA_QUALITY, "dq", dq())], "on"),
    Case(
        "sagemaker-monitoring-job-inter-container-encryption",
        "unverifiable",
        [res(DATA_QUALITY, "dq", dq(networkConfig=UNKNOWN))],
        "unknown",
    ),
    Case(
        "sagemaker-monitoring-job-network-isolation",
        "fail",
        [res(DATA_QUALITY, "dq", dq(networkConfig={"enableInterContainerTrafficEncryption": True}))],
        "default",
    ),
    Case(
        "sagemaker-monitoring-job-network-isolation",
        "pass",
        [res(SCHEDULE, "mon", inline_schedule(networkConfig={"enableNetworkIsolation": True}))],
        "inline-isolated",
    ),
    Case(
        "sagemaker-monitoring-job-network-isolation",
        "unverifiable",
        [res(DATA_QUALITY, "dq", dq(networkConfig={"enableNetworkIsolation": UNKNOWN}))],
        "unknown",
    ),
]
