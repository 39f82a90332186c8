"""Cases for the EBS rules: volumes of instances, launch templates and configurations, and account defaults."""

from testkit.cases import UNKNOWN, Case, res

INSTANCE = "aws:ec2/instance:Instance"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LAUNCH_CONFIG = "aws:ec2/launchConfiguration:LaunchConfiguration"
VOLUME = "aws:ebs/volume:Volume"
BY_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault"
DEFAULT_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey"

ENCRYPTED = "ebs-volume-encrypted"
CMK = "ebs-volume-customer-managed-key"
DEFAULTS = "ebs-encryption-by-default"

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROOT = {"encrypted": True, "kmsKeyId": KEY, "volumeSize": 200}

CASES = [
    # --- encryption ------------------------------------------------------------------------------------
    Case(ENCRYPTED, "fail", [res(VOLUME, "data", {"availabilityZone": "eu-west-1a", "size": 500})], "volume-unset"),
    Case(ENCRYPTED, "fail", [res(VOLUME, "data", {"encrypted": False})], "volume-off"),
    Case(ENCRYPTED, "fail", [res(INSTANCE, "gpu", {"instanceType": "g5.xlarge"})], "instance-root-undeclared"),
    Case(
        ENCRYPTED,
        "fail",
        [
            res(
                INSTANCE,
                "gpu",
                {"rootBlockDevice": ROOT, "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": False}]},
            )
        ],
        "instance-attached-volume-off",
    ),
    Case(
        ENCRYPTED,
        "fail",
        [res(TEMPLATE, "lt", {"blockDeviceMappings": [{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}]})],
        "template-string-false",
    ),
    Case(ENCRYPTED, "fail", [res(TEMPLATE, "lt", {"imageId": "ami-123"})], "template-without-mappings"),
    Case(
        ENCRYPTED,
        "fail",
        [res(LAUNCH_CONFIG, "lc", {"rootBlockDevice": {"volumeSize": 100}})],
        "launch-config-root-unset",
    ),
    Case(
        ENCRYPTED,
        "fail",
        [res(VOLUME, "data", {"encrypted": False})],
        "explicit-false-despite-account-default",
        config={"accountEncryptionByDefault": True},
    ),
    Case(ENCRYPTED, "pass", [res(VOLUME, "data", {"encrypted": True, "kmsKeyId": KEY})], "volume-on"),
    Case(
        ENCRYPTED,
        "pass",
        [
            res(
                INSTANCE,
                "gpu",
                {"rootBlockDevice": ROOT, "ebsBlockDevices": [{"deviceName": "/dev/sdf", "encrypted": True}]},
            )
        ],
        "instance-all-on",
    ),
    Case(
        ENCRYPTED,
        "pass",
        [
            res(
                TEMPLATE,
                "lt",
                {
                    "blockDeviceMappings": [
                        {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true"}},
                        {"deviceName": "/dev/sdb", "virtualName": "ephemeral0"},
                    ]
                },
            )
        ],
        "template-string-true-and-instance-store",
    ),
    Case(
        ENCRYPTED,
        "pass",
        [res(INSTANCE, "gpu", {"instanceType": "g5.xlarge"})],
        "root-undeclared-with-account-default",
        config={"accountEncryptionByDefault": True},
    ),
    Case(ENCRYPTED, "unverifiable", [res(VOLUME, "data", {"encrypted": UNKNOWN})], "unknown"),
    Case(
        ENCRYPTED,
        "pass",
        [res(INSTANCE, "gpu", {"launchTemplate": {"id": UNKNOWN, "version": "$Latest"}})],
        "root-from-launch-template",
    ),
    Case(ENCRYPTED, "unverifiable", [res(TEMPLATE, "lt", {"blockDeviceMappings": UNKNOWN})], "mappings-unknown"),
    # --- customer managed key --------------------------------------------------------------------------
    Case(CMK, "fail", [res(VOLUME, "data", {"encrypted": True})], "no-key"),
    Case(
        CMK,
        "fail",
        [res(INSTANCE, "gpu", {"rootBlockDevice": {"encrypted": True, "kmsKeyId": "alias/aws/ebs"}})],
        "aws-managed-alias",
    ),
    Case(CMK, "pass", [res(VOLUME, "data", {"encrypted": True, "kmsKeyId": KEY})], "customer-key"),
    Case(CMK, "pass", [res(VOLUME, "data", {"encrypted": True, "kmsKeyId": UNKNOWN})], "key-created-by-the-program"),
    Case(CMK, "not-applicable", [res(TEMPLATE, "lt", {"imageId": "ami-123"})], "no-declared-volumes"),
    Case(
        CMK,
        "unverifiable",
        [res(INSTANCE, "gpu", {"rootBlockDevice": ROOT, "ebsBlockDevices": UNKNOWN})],
        "devices-unknown",
    ),
    # --- account defaults ------------------------------------------------------------------------------
    Case(DEFAULTS, "fail", [res(BY_DEFAULT, "ebs", {"enabled": False})], "disabled"),
    Case(
        DEFAULTS,
        "fail",
        [res(DEFAULT_KEY, "key", {"keyArn": "arn:aws:kms:eu-west-1:111122223333:alias/aws/ebs"})],
        "aws-managed-default-key",
    ),
    Case(DEFAULTS, "pass", [res(BY_DEFAULT, "ebs", {})], "enabled-by-provider-default"),
    Case(DEFAULTS, "pass", [res(DEFAULT_KEY, "key", {"keyArn": UNKNOWN})], "key-created-by-the-program"),
    Case(DEFAULTS, "pass", [res(DEFAULT_KEY, "key", {"keyArn": KEY})], "customer-key"),
    Case(DEFAULTS, "unverifiable", [res(BY_DEFAULT, "ebs", {"enabled": UNKNOWN})], "unknown"),
]
