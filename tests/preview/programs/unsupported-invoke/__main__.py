"""A program that looks up an AMI, which needs the cloud."""

import pulumi_aws as aws

ami = aws.ec2.get_ami(most_recent=True, owners=["amazon"], filters=[{"name": "name", "values": ["al2023-ami-*"]}])
aws.ec2.Instance("host", ami=ami.id, instance_type="t3.micro")
