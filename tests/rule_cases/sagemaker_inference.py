"""Cases for the SageMaker model, endpoint-configuration and endpoint rules."""

from testkit.cases import UNKNOWN, Case, res

MODEL = "aws:sagemaker/model:Model"
ENDPOINT_CONFIG = "aws:sagemaker/endpointConfiguration:EndpointConfiguration"
ENDPOINT = "aws:sagemaker/endpoint:Endpoint"
SCHEDULE = "aws:sagemaker/monitoringSchedule:MonitoringSchedule"
DATA_QUALITY = "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition"
KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VPC = {"subnets": ["subnet-0abc"], "securityGroupIds": ["sg-0abc"]}


def model(**overrides: object) -> dict[str, object]:
    props = {
        "executionRoleArn": "arn:aws:iam::111122223333:role/model",
        "primaryContainer": {"image": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/serve@sha256:" + "a" * 64},
        "enableNetworkIsolation": True,
        "vpcConfig": VPC,
        **overrides,
    }
    return {k: v for k, v in props.items() if v is not None}


def variant(instance_type: str = "ml.m5.xlarge", count: object = 2, **extra: object) -> dict[str, object]:
    props = {"variantName": "main", "modelName": "m", "instanceType": instance_type, "initialInstanceCount": count}
    return {**{k: v for k, v in props.items() if v is not None}, **extra}


SERVERLESS = {"variantName": "sl", "modelName": "m", "serverlessConfig": {"maxConcurrency": 5, "memorySizeInMb": 2048}}
CAPTURE = {
    "enableCapture": True,
    "initialSamplingPercentage": 100,
    "destinationS3Uri": "s3://monitoring/capture",
    "captureOptions": [{"captureMode": "Input"}, {"captureMode": "Output"}],
    "kmsKeyId": KEY,
}


def config(*variants: object, **overrides: object) -> dict[str, object]:
    props = {
        "productionVariants": list(variants) or [variant()],
        "kmsKeyArn": KEY,
        "dataCaptureConfig": CAPTURE,
        **overrides,
    }
    return {k: v for k, v in props.items() if v is not None}


def endpoint(name: str = "ep") -> object:
    return res(ENDPOINT, name, {"name": name, "endpointConfigName": "cfg"}, endpointConfigName=["cfg"])


def schedule(endpoint_name: str = "ep") -> dict[str, object]:
    return {
        "monitoringScheduleConfig": {
            "monitoringType": "DataQuality",
            "monitoringJobDefinition": {
                "monitoringInputs": {
                    "endpointInput": {"endpointName": endpoint_name, "localPath": "/opt/ml/processing"}
                },
                "roleArn": "arn:aws:iam::111122223333:role/monitor",
            },
        }
    }


CASES = [
    # --- models
    Case("sagemaker-model-network-isolation", "fail", [res(MODEL, "m", model(enableNetworkIsolation=None))], "default"),
    Case("sagemaker-model-network-isolation", "fail", [res(MODEL, "m", model(enableNetworkIsolation=False))], "off"),
    Case("sagemaker-model-network-isolation", "pass", [res(MODEL, "m", model())], "isolated"),
    Case(
        "sagemaker-model-network-isolation",
        "unverifiable",
        [res(MODEL, "m", model(enableNetworkIsolation=UNKNOWN))],
        "unknown",
    ),
    Case("sagemaker-model-in-vpc", "fail", [res(MODEL, "m", model(vpcConfig=None))], "no-vpc"),
    Case(
        "sagemaker-model-in-vpc",
        "fail",
        [res(MODEL, "m", model(vpcConfig={"subnets": ["subnet-0abc"], "securityGroupIds": []}))],
        "no-security-group",
    ),
    Case("sagemaker-model-in-vpc", "pass", [res(MODEL, "m", model())], "vpc"),
    Case(
        "sagemaker-model-in-vpc",
        "pass",
        [res(MODEL, "m", model(vpcConfig={"subnets": UNKNOWN, "securityGroupIds": UNKNOWN}))],
        "ids-known-after-creation",
    ),
    Case("sagemaker-model-in-vpc", "unverifiable", [res(MODEL, "m", model(vpcConfig=UNKNOWN))], "unknown-block"),
    # --- endpoint configuration: ML storage volume key
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config(kmsKeyArn=None))],
        "ebs-instance-without-key",
    ),
    # AWS refuses a key when a variant's instance type has local NVMe storage.
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config(variant("ml.g5.2xlarge")))],
        "key-with-nvme-instance",
    ),
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config(variant("ml.g5.2xlarge"), kmsKeyArn=UNKNOWN))],
        "key-from-output-with-nvme-instance",
    ),
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config(variant("ml.g5.2xlarge"), variant("ml.c5.xlarge"), kmsKeyArn=None))],
        "mixed-nvme-and-ebs",
    ),
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "fail",
        [
            res(
                ENDPOINT_CONFIG,
                "cfg",
                config(shadowProductionVariants=[variant("ml.p4d.24xlarge")]),
            )
        ],
        "key-with-nvme-shadow-variant",
    ),
    Case("sagemaker-endpoint-config-kms-encrypted", "pass", [res(ENDPOINT_CONFIG, "cfg", config())], "ebs-with-key"),
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "pass",
        [res(ENDPOINT_CONFIG, "cfg", config(kmsKeyArn=UNKNOWN))],
        "ebs-with-key-from-output",
    ),
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "not-applicable",
        [res(ENDPOINT_CONFIG, "cfg", config(variant("ml.g5.2xlarge"), variant("ml.g4dn.xlarge"), kmsKeyArn=None))],
        "nvme-only-without-key",
    ),
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "not-applicable",
        [res(ENDPOINT_CONFIG, "cfg", config(SERVERLESS, kmsKeyArn=None))],
        "serverless",
    ),
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "unverifiable",
        [res(ENDPOINT_CONFIG, "cfg", config(variant(UNKNOWN), kmsKeyArn=None))],
        "instance-type-unknown",
    ),
    Case(
        "sagemaker-endpoint-config-kms-encrypted",
        "unverifiable",
        [res(ENDPOINT_CONFIG, "cfg", config(productionVariants=UNKNOWN))],
        "variants-unknown",
    ),
    # --- endpoint configuration: S3 outputs
    Case(
        "sagemaker-endpoint-config-data-capture-encrypted",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config(dataCaptureConfig={**CAPTURE, "kmsKeyId": None}))],
        "capture-without-key",
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-encrypted",
        "fail",
        [
            res(
                ENDPOINT_CONFIG,
                "cfg",
                config(asyncInferenceConfig={"outputConfig": {"s3OutputPath": "s3://out/async"}}),
            )
        ],
        "async-output-without-key",
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-encrypted",
        "fail",
        [
            res(
                ENDPOINT_CONFIG,
                "cfg",
                config(variant(coreDumpConfig={"destinationS3Uri": "s3://dumps/"})),
            )
        ],
        "core-dump-without-key",
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-encrypted",
        "pass",
        [
            res(
                ENDPOINT_CONFIG,
                "cfg",
                config(
                    variant(coreDumpConfig={"destinationS3Uri": "s3://dumps/", "kmsKeyId": KEY}),
                    asyncInferenceConfig={"outputConfig": {"s3OutputPath": "s3://out/async", "kmsKeyId": UNKNOWN}},
                ),
            )
        ],
        "every-output-keyed",
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-encrypted",
        "not-applicable",
        [res(ENDPOINT_CONFIG, "cfg", config(dataCaptureConfig=None))],
        "no-s3-output",
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-encrypted",
        "unverifiable",
        [res(ENDPOINT_CONFIG, "cfg", config(dataCaptureConfig=UNKNOWN))],
        "capture-block-unknown",
    ),
    # --- endpoint configuration: data capture on (advisory)
    Case(
        "sagemaker-endpoint-config-data-capture-enabled",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config(dataCaptureConfig=None))],
        "no-capture",
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-enabled",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config(dataCaptureConfig={**CAPTURE, "enableCapture": None}))],
        "capture-block-but-default-off",
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-enabled",
        "fail",
        [
            res(
                ENDPOINT_CONFIG,
                "cfg",
                config(dataCaptureConfig={**CAPTURE, "captureOptions": [{"captureMode": "Output"}]}),
            )
        ],
        "responses-only",
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-enabled", "pass", [res(ENDPOINT_CONFIG, "cfg", config())], "capturing"
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-enabled",
        "not-applicable",
        [res(ENDPOINT_CONFIG, "cfg", config(SERVERLESS, kmsKeyArn=None, dataCaptureConfig=None))],
        "serverless",
    ),
    Case(
        "sagemaker-endpoint-config-data-capture-enabled",
        "unverifiable",
        [res(ENDPOINT_CONFIG, "cfg", config(dataCaptureConfig={**CAPTURE, "enableCapture": UNKNOWN}))],
        "unknown",
    ),
    # --- endpoint configuration: instances per variant
    Case(
        "sagemaker-endpoint-config-min-instances",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config(variant(count=1)))],
        "single-instance-at-strict",
        config={"minimumInstances": 2},
    ),
    Case(
        "sagemaker-endpoint-config-min-instances",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config(variant(count=None)))],
        "count-not-set",
    ),
    Case(
        "sagemaker-endpoint-config-min-instances",
        "pass",
        [res(ENDPOINT_CONFIG, "cfg", config(variant(count=1)))],
        "single-instance-at-default",
    ),
    Case(
        "sagemaker-endpoint-config-min-instances",
        "pass",
        [res(ENDPOINT_CONFIG, "cfg", config(variant(count=2)))],
        "two-instances-at-strict",
        config={"minimumInstances": 2},
    ),
    Case(
        "sagemaker-endpoint-config-min-instances",
        "pass",
        [
            res(
                ENDPOINT_CONFIG,
                "cfg",
                config(variant(count=None, managedInstanceScaling={"status": "ENABLED", "minInstanceCount": 2})),
            )
        ],
        "managed-scaling-minimum",
        config={"minimumInstances": 2},
    ),
    Case(
        "sagemaker-endpoint-config-min-instances",
        "not-applicable",
        [res(ENDPOINT_CONFIG, "cfg", config(SERVERLESS))],
        "serverless",
    ),
    Case(
        "sagemaker-endpoint-config-min-instances",
        "unverifiable",
        [res(ENDPOINT_CONFIG, "cfg", config(variant(count=UNKNOWN)))],
        "count-unknown",
    ),
    Case(
        "sagemaker-endpoint-config-min-instances",
        "exempted",
        [res(ENDPOINT_CONFIG, "cfg", config(variant(count=1)))],
        "dev-exemption",
        config={
            "minimumInstances": 2,
            "exemptions": [{"name": "cfg", "reason": "dev endpoint runs one instance to save cost"}],
        },
    ),
    # --- endpoints: monitoring schedule (stack)
    Case(
        "sagemaker-endpoint-has-monitoring-schedule",
        "fail",
        [res(ENDPOINT_CONFIG, "cfg", config()), endpoint()],
        "no-schedule",
        flagged=("ep",),
    ),
    Case(
        "sagemaker-endpoint-has-monitoring-schedule",
        "fail",
        [
            res(ENDPOINT_CONFIG, "cfg", config()),
            endpoint("ep"),
            endpoint("other"),
            res(SCHEDULE, "mon", schedule("other"), monitoringScheduleConfig=["other"]),
        ],
        "schedule-watches-another-endpoint",
        flagged=("ep",),
    ),
    Case(
        "sagemaker-endpoint-has-monitoring-schedule",
        "pass",
        [
            res(ENDPOINT_CONFIG, "cfg", config()),
            endpoint(),
            res(SCHEDULE, "mon", schedule(), monitoringScheduleConfig=["ep"]),
        ],
        "inline-definition",
    ),
    Case(
        "sagemaker-endpoint-has-monitoring-schedule",
        "pass",
        [
            res(ENDPOINT_CONFIG, "cfg", config()),
            endpoint(),
            res(
                DATA_QUALITY,
                "dq",
                {"name": "dq", "dataQualityJobInput": {"endpointInput": {"endpointName": "ep"}}},
                dataQualityJobInput=["ep"],
            ),
            res(
                SCHEDULE,
                "mon",
                {"monitoringScheduleConfig": {"monitoringType": "DataQuality", "monitoringJobDefinitionName": "dq"}},
                monitoringScheduleConfig=["dq"],
            ),
        ],
        "through-job-definition",
    ),
    Case(
        "sagemaker-endpoint-has-monitoring-schedule",
        "not-applicable",
        [res(ENDPOINT_CONFIG, "cfg", config(SERVERLESS, kmsKeyArn=None, dataCaptureConfig=None)), endpoint()],
        "serverless-endpoint",
    ),
]
